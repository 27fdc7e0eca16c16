using PLDistill.Audio.Formats;

namespace PLDistill.Audio.Sources;

/// <summary>
/// A source that delivers what a frame reader decodes from a stream, as fast as the stream allows or, with a clock, no
/// faster than real time (see <see cref="RealTimePacer"/>). Disposing it disposes the reader.
/// </summary>
public abstract class PcmReaderSource : IAudioSource
{
    private readonly IPcmFrameReader _reader;
    private readonly RealTimePacer? _pacer;

    /// <summary>Wraps <paramref name="reader"/>; <paramref name="realTimeClock"/> null: no pacing.</summary>
    protected PcmReaderSource(IPcmFrameReader reader, TimeProvider? realTimeClock)
    {
        _reader = reader;
        _pacer = realTimeClock is null ? null : new RealTimePacer(reader.Format.SampleRate, realTimeClock);
    }

    /// <inheritdoc />
    public string Name => _reader.InputName;

    /// <inheritdoc />
    public PcmFormat Format => _reader.Format;

    /// <inheritdoc />
    public ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken = default) =>
        _pacer is null ? _reader.ReadFramesAsync(destination, cancellationToken) : ReadPacedAsync(_pacer, destination, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private async ValueTask<int> ReadPacedAsync(RealTimePacer pacer, Memory<float> destination, CancellationToken cancellationToken)
    {
        pacer.Start();
        int frames = await _reader.ReadFramesAsync(destination, cancellationToken).ConfigureAwait(false);
        if (frames == 0)
            return 0;
        try
        {
            await pacer.WaitUntilPlayedAsync(_reader.FramesRead, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The frames are already out of the reader: hand them over (early) rather than lose them with the wait.
        }
        return frames;
    }
}
