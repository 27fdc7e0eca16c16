using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;

namespace PLDistill.Audio.Tests.TestSupport;

/// <summary>
/// A real operating-system pipe whose read end is a plain <see cref="FileStream"/>, as stdin is: a read blocks in the
/// kernel until bytes arrive, and its cancellation token is looked at only before it starts.
/// </summary>
internal sealed class OsPipe : IDisposable
{
    private readonly AnonymousPipeServerStream _writer = new(PipeDirection.Out);

    public OsPipe() =>
        ReadEnd = new FileStream(new SafeFileHandle(_writer.ClientSafePipeHandle.DangerousGetHandle(), ownsHandle: false),
            FileAccess.Read, bufferSize: 0);

    /// <summary>The read end, like <see cref="Console.OpenStandardInput()"/>.</summary>
    public FileStream ReadEnd { get; }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        _writer.Write(bytes);
        _writer.Flush();
    }

    /// <summary>Closes the write end: the reader sees the end of the input.</summary>
    public void CloseWriteEnd() => _writer.Dispose();

    public void Dispose()
    {
        _writer.Dispose();
        ReadEnd.Dispose();
    }
}
