namespace PLDistill.Audio.Formats;

/// <summary>What is wrong with an audio input; lets callers (and the gRPC layer) react by kind.</summary>
public enum AudioFormatProblem
{
    /// <summary>The bytes are not a RIFF/WAVE file at all.</summary>
    NotWave,
    /// <summary>The input ended inside a header or inside a declared chunk.</summary>
    Truncated,
    /// <summary>A header field is inconsistent or impossible (block align, chunk order, sizes).</summary>
    CorruptHeader,
    /// <summary>A codec we do not decode (mu-law, A-law, ADPCM, MP3, ...).</summary>
    UnsupportedEncoding,
    /// <summary>Zero channels or more than <see cref="PcmFormat.MaxChannels"/>.</summary>
    UnsupportedChannelCount,
    /// <summary>A sample rate outside <see cref="PcmFormat.MinSampleRate"/>..<see cref="PcmFormat.MaxSampleRate"/>.</summary>
    UnsupportedSampleRate,
    /// <summary>A declared size larger than the input or beyond sane limits.</summary>
    AbsurdSize,
}
