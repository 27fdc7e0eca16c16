namespace PLDistill.Audio.Formats;

/// <summary>
/// The layout of interleaved PCM audio: sample rate, channel count and sample encoding.
/// Immutable and validated on construction, so every holder of one can trust it.
/// </summary>
public sealed record PcmFormat
{
    /// <summary>Lowest sample rate we accept, in Hz.</summary>
    public const int MinSampleRate = 8_000;
    /// <summary>Highest sample rate we accept, in Hz.</summary>
    public const int MaxSampleRate = 192_000;
    /// <summary>Most channels we accept (7.1).</summary>
    public const int MaxChannels = 8;

    /// <summary>Creates a validated format; throws <see cref="ArgumentOutOfRangeException"/> naming the bad field.</summary>
    public PcmFormat(int sampleRate, int channels, SampleEncoding encoding)
    {
        if (sampleRate is < MinSampleRate or > MaxSampleRate)
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate,
                $"sample rate must be {MinSampleRate}..{MaxSampleRate} Hz");
        if (channels is < 1 or > MaxChannels)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, $"channel count must be 1..{MaxChannels}");
        if (!Enum.IsDefined(encoding))
            throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "unknown sample encoding");
        SampleRate = sampleRate;
        Channels = channels;
        Encoding = encoding;
    }

    /// <summary>Frames (one sample per channel) per second.</summary>
    public int SampleRate { get; }

    /// <summary>Interleaved channels per frame.</summary>
    public int Channels { get; }

    /// <summary>How each sample is stored.</summary>
    public SampleEncoding Encoding { get; }

    /// <summary>Bytes per frame (all channels of one instant).</summary>
    public int BlockAlign => Channels * Encoding.BytesPerSample();

    /// <inheritdoc />
    public override string ToString() => $"{SampleRate} Hz, {Channels} ch, {Encoding}";
}
