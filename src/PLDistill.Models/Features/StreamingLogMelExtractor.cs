using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace PLDistill.Models.Features;

/// <summary>
/// Per-stream log-mel state: accepts mono samples in chunks of any size and returns the frames that became complete,
/// identical to the frames of the whole signal. Holds at most one window of audio between calls.
/// </summary>
/// <remarks>Not thread-safe; one per stream. The shared <see cref="LogMelSpectrogram"/> may serve many extractors.</remarks>
public sealed class StreamingLogMelExtractor
{
    private readonly LogMelSpectrogram spectrogram;
    private readonly int windowLength, hopLength;
    private float[] pending;  // samples from the next frame's start onwards
    private int pendingCount;

    /// <summary>Creates an extractor that computes on <paramref name="device"/> (the spectrogram must live there).</summary>
    public StreamingLogMelExtractor(LogMelSpectrogram spectrogram, Device? device = null)
    {
        this.spectrogram = spectrogram;
        Device = device ?? CPU;
        windowLength = spectrogram.Options.WindowLengthSamples;
        hopLength = spectrogram.Options.HopLengthSamples;
        pending = new float[windowLength * 4];
    }

    /// <summary>Where returned frames live.</summary>
    public Device Device { get; }

    /// <summary>Frames returned so far; frame i starts at sample i × hop of the stream.</summary>
    public long FramesEmitted { get; private set; }

    /// <summary>
    /// Appends <paramref name="samples"/>; returns the newly complete frames as (F, mels) on <see cref="Device"/>,
    /// F >= 0. The caller owns the returned tensor.
    /// </summary>
    public Tensor Accept(ReadOnlySpan<float> samples)
    {
        EnsureCapacity(pendingCount + samples.Length);
        samples.CopyTo(pending.AsSpan(pendingCount));
        pendingCount += samples.Length;

        int frames = pendingCount < windowLength ? 0 : 1 + (pendingCount - windowLength) / hopLength;
        if (frames == 0)
            return zeros([0, spectrogram.Options.MelBins], dtype: float32, device: Device);

        int used = (frames - 1) * hopLength + windowLength;
        Tensor result;
        using (var hostAudio = empty(used, dtype: float32))
        {
            pending.AsSpan(0, used).CopyTo(MemoryMarshal.Cast<byte, float>(hostAudio.bytes));   // not data<float>(): see FinalizerFreeOperations
            using var audio = hostAudio.to(Device);
            result = spectrogram.forward(audio);
        }

        // Keep what the next frame needs: everything from its first sample on.
        int consumed = frames * hopLength;
        pending.AsSpan(consumed, pendingCount - consumed).CopyTo(pending);
        pendingCount -= consumed;
        FramesEmitted += frames;
        return result;
    }

    /// <summary>Forgets buffered audio and the frame count, for a new stream.</summary>
    public void Reset()
    {
        pendingCount = 0;
        FramesEmitted = 0;
    }

    private void EnsureCapacity(int needed)
    {
        if (needed > pending.Length)
            Array.Resize(ref pending, Math.Max(needed, pending.Length * 2));
    }
}
