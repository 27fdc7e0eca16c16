using System.Text;
using Microsoft.Win32.SafeHandles;

namespace PLDistill.Cli;

/// <summary>
/// Makes a closed output pipe an error pld can act on. .NET's console writer on Linux ignores EPIPE, so
/// <c>pld run mic | head</c> kept recording after <c>head</c> had gone, printing into nothing until stopped by hand.
/// When stdout is a pipe or a socket, the commands that print for as long as their input lasts replace
/// <see cref="Console.Out"/> by a writer over the same file descriptor
/// whose writes throw <see cref="OutputClosedException"/> once the reader is gone: <c>pld run</c> then ends its audio,
/// and pld exits quietly with 141, as a program killed by SIGPIPE would. A terminal or a file is left as it is (a file
/// shared with stderr, <c>&gt; log 2&gt;&amp;1</c>, must keep the console's appending writes).
/// </summary>
internal static class StandardOutput
{
    /// <summary>The exit code of a program stopped by SIGPIPE (128 + 13), which shells expect from a closed pipe.</summary>
    public const int ClosedExitCode = 141;

    private static bool consoleBelongsToProcess;

    /// <summary>Called first thing by pld's entry point: the console is the process's own (not a test's captured writer).</summary>
    public static void BelongsToThisProcess() => consoleBelongsToProcess = true;

    /// <summary>
    /// Replaces <see cref="Console.Out"/> when stdout is a pipe or a socket (Linux). Called by the commands that print
    /// for as long as their input lasts (<c>run</c>, <c>client stream</c>, <c>client watch</c>); not by <c>serve</c>,
    /// whose logger must keep going when a log reader goes away.
    /// </summary>
    public static void FailWritesOnceClosed()
    {
        if (!consoleBelongsToProcess || !OperatingSystem.IsLinux() || !Console.IsOutputRedirected)
            return;
        consoleBelongsToProcess = false;   // once
        string? target = new FileInfo("/proc/self/fd/1").LinkTarget;
        if (target is null || !(target.StartsWith("pipe:", StringComparison.Ordinal) || target.StartsWith("socket:", StringComparison.Ordinal)))
            return;
        var stream = new ClosedAwareStream(new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0));
        Console.SetOut(TextWriter.Synchronized(new StreamWriter(stream, new UTF8Encoding(false), bufferSize: 4096) { AutoFlush = true }));
    }

    // Writes through to the descriptor; a write the closed pipe refuses becomes an OutputClosedException.
    private sealed class ClosedAwareStream(FileStream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            try
            {
                inner.Write(buffer);
            }
            catch (IOException closed)
            {
                throw new OutputClosedException(closed);
            }
        }

        public override void Flush()
        {
            try
            {
                inner.Flush();
            }
            catch (IOException closed)
            {
                throw new OutputClosedException(closed);
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

/// <summary>stdout can no longer be written: its reader has gone (a closed pipe).</summary>
internal sealed class OutputClosedException(IOException cause) : IOException($"stdout was closed: {cause.Message}", cause);
