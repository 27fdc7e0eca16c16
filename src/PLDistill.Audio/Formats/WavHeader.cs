namespace PLDistill.Audio.Formats;

/// <summary>
/// What <see cref="WavReader"/> learned from a RIFF/WAVE header before the first sample.
/// </summary>
/// <param name="Format">Sample rate, channels and encoding of the data chunk.</param>
/// <param name="DataOffset">Bytes from where reading started to the first sample byte.</param>
/// <param name="DataLength">
/// Bytes the data chunk declares, or null when the length is unknown: a streaming header written to a pipe
/// (arecord, sox and ffmpeg put 0xFFFFFFFF or about 0x7FFFFFFF there), in which case the audio runs to the end of the input.
/// </param>
/// <param name="ValidBitsPerSample">
/// Bits that carry signal. Equal to the container size except in some WAVE_FORMAT_EXTENSIBLE files
/// (e.g. 20 valid bits in a 24-bit container); the samples are left-justified, so decoding by the container is still right.
/// </param>
/// <param name="FormatTag">The fmt chunk's format tag as written: 1 PCM, 3 IEEE float, 0xFFFE extensible.</param>
/// <param name="FormatName">A readable name for messages and logs, e.g. "PCM" or "extensible IEEE float".</param>
/// <param name="ChannelMask">The speaker-position mask of an extensible header; 0 when absent or unassigned.</param>
public sealed record WavHeader(
    PcmFormat Format,
    long DataOffset,
    long? DataLength,
    int ValidBitsPerSample,
    ushort FormatTag,
    string FormatName,
    uint ChannelMask)
{
    /// <summary>The fmt chunk's format tag for WAVE_FORMAT_EXTENSIBLE.</summary>
    public const ushort ExtensibleTag = 0xFFFE;

    /// <summary>True when the header used WAVE_FORMAT_EXTENSIBLE.</summary>
    public bool IsExtensible => FormatTag == ExtensibleTag;

    /// <summary>Whole frames in the data chunk (a trailing partial frame does not count); null when the length is unknown.</summary>
    public long? FrameCount => DataLength / Format.BlockAlign;

    /// <summary>Playing time of <see cref="FrameCount"/> frames; null when the length is unknown.</summary>
    public TimeSpan? Duration => FrameCount is long frames
        ? TimeSpan.FromSeconds(frames / (double)Format.SampleRate)
        : null;
}
