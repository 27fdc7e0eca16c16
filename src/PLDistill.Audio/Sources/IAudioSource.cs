using PLDistill.Audio.Formats;

namespace PLDistill.Audio.Sources;

/// <summary>
/// A source of interleaved float audio in its native format: a WAV file, raw PCM on a pipe, a microphone.
/// An NAudio <c>WaveInEvent</c> capture on Windows would implement this by queueing its buffers.
/// </summary>
/// <remarks>Not thread-safe: one reader at a time. Samples are floats in nominal range [-1, 1].</remarks>
public interface IAudioSource : IAsyncDisposable
{
    /// <summary>A name for messages and logs: a path, "stdin", "mic:default".</summary>
    string Name { get; }

    /// <summary>The format of what <see cref="ReadAsync"/> returns; <see cref="PcmFormat.Encoding"/> tells the original storage.</summary>
    PcmFormat Format { get; }

    /// <summary>
    /// Reads up to <c>destination.Length / Format.Channels</c> whole frames of interleaved samples.
    /// Returns the number of frames read; 0 only at the end of the audio.
    /// Throws <see cref="AudioFormatException"/> when the input turns out to be malformed, and
    /// <see cref="AudioSourceException"/> when a live source fails (a recorder that died, a device that went away).
    /// </summary>
    ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken = default);
}
