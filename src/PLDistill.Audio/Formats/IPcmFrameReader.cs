namespace PLDistill.Audio.Formats;

/// <summary>
/// A decoder that hands out interleaved float frames as it reads them (<see cref="RawPcmReader"/>, <see cref="WavReader"/>).
/// </summary>
public interface IPcmFrameReader : IDisposable
{
    /// <summary>The format of the frames.</summary>
    PcmFormat Format { get; }

    /// <summary>The name used in messages.</summary>
    string InputName { get; }

    /// <summary>Whole frames returned so far.</summary>
    long FramesRead { get; }

    /// <summary>
    /// Reads up to <c>interleaved.Length / Format.Channels</c> whole frames; returns how many, 0 only at the end of the input.
    /// </summary>
    ValueTask<int> ReadFramesAsync(Memory<float> interleaved, CancellationToken cancellationToken = default);
}
