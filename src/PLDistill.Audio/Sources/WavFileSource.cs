using PLDistill.Audio.Formats;

namespace PLDistill.Audio.Sources;

/// <summary>A WAV file on disk, read incrementally. Optionally paced to real time (see <see cref="RealTimePacer"/>).</summary>
public sealed class WavFileSource : IAudioSource
{
    // Everything after opening the file is the same as for a WAV on any stream.
    private readonly WavStreamSource _inner;

    private WavFileSource(string path, WavStreamSource inner)
    {
        Path = path;
        _inner = inner;
    }

    /// <summary>Opens the file at <paramref name="path"/> and reads its header.</summary>
    /// <param name="path">The file; also the source's <see cref="Name"/>.</param>
    /// <param name="realTimeClock">Null to read as fast as possible; a clock (usually <see cref="TimeProvider.System"/>)
    /// to deliver no faster than real time, so a 10 s file takes about 10 s.</param>
    /// <param name="abandonReadsOn">Where the path is a pipe (a named pipe, /dev/stdin, a shell's process substitution),
    /// ends a wait for its next bytes, e.g. Ctrl+C's token: a pipe's reads ignore their own tokens.</param>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="AudioFormatException">The file is not a WAV we decode.</exception>
    public static WavFileSource Open(string path, TimeProvider? realTimeClock = null, CancellationToken abandonReadsOn = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Stream stream = OpenForReading(path, abandonReadsOn);
        if (!stream.CanSeek)
            stream = new AbandonableReadStream(stream, abandonOn: abandonReadsOn);
        // WavReader closes the stream itself if the header turns out to be bad.
        return new WavFileSource(path, WavStreamSource.Open(stream, path, leaveOpen: false, realTimeClock));
    }

    // Opening a named pipe waits in the kernel until a writer opens it, and no token reaches that wait: so the open runs
    // on a thread of its own, and Ctrl+C's token ends the wait for it. The abandoned open is then released by opening the
    // pipe for writing (which a pending reader lets succeed at once) and closing both ends, so no thread stays blocked.
    private static FileStream OpenForReading(string path, CancellationToken abandonOn)
    {
        if (!abandonOn.CanBeCanceled)
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var opening = Task.Factory.StartNew(() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read),
                                            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            return opening.WaitAsync(abandonOn).GetAwaiter().GetResult();   // the open's own exception, if it failed
        }
        catch (OperationCanceledException) when (abandonOn.IsCancellationRequested)
        {
            _ = Task.Run(() => ReleaseAbandonedOpen(path, opening), CancellationToken.None);
            throw;
        }
    }

    private static void ReleaseAbandonedOpen(string path, Task<FileStream> opening)
    {
        if (!opening.IsCompleted)
        {
            try
            {
                using var writer = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            }
            catch (Exception notReleased) when (notReleased is IOException or UnauthorizedAccessException)
            {
                // Nothing more to do: the open stays pending until a writer comes, and then is closed below.
            }
        }
        opening.ContinueWith(opened => opened.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    /// <summary>The path the file was opened by.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public string Name => _inner.Name;

    /// <inheritdoc />
    public PcmFormat Format => _inner.Format;

    /// <summary>Everything the WAV header said.</summary>
    public WavHeader Header => _inner.Header;

    /// <inheritdoc />
    public ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(destination, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}
