namespace PLDistill.Audio.Formats;

/// <summary>How one sample of one channel is stored in bytes (always little-endian).</summary>
public enum SampleEncoding
{
    /// <summary>8-bit unsigned integer, 128 = silence (the WAV convention).</summary>
    UInt8,
    /// <summary>16-bit signed integer (LINEAR16, S16_LE).</summary>
    Int16,
    /// <summary>24-bit signed integer packed in 3 bytes.</summary>
    Int24,
    /// <summary>32-bit signed integer.</summary>
    Int32,
    /// <summary>IEEE 754 single precision, nominal range [-1, 1].</summary>
    Float32,
    /// <summary>IEEE 754 double precision, nominal range [-1, 1].</summary>
    Float64,
}

/// <summary>Sizes and names of <see cref="SampleEncoding"/> values.</summary>
public static class SampleEncodingExtensions
{
    /// <summary>Bytes one sample of one channel occupies.</summary>
    public static int BytesPerSample(this SampleEncoding encoding) => encoding switch
    {
        SampleEncoding.UInt8 => 1,
        SampleEncoding.Int16 => 2,
        SampleEncoding.Int24 => 3,
        SampleEncoding.Int32 => 4,
        SampleEncoding.Float32 => 4,
        SampleEncoding.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "unknown sample encoding"),
    };
}
