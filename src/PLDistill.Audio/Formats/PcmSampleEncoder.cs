using System.Buffers.Binary;

namespace PLDistill.Audio.Formats;

/// <summary>The inverse of <see cref="PcmSampleDecoder"/>: float samples to PCM bytes (WAV files, LINEAR16 on the wire).</summary>
public static class PcmSampleEncoder
{
    /// <summary>
    /// Encodes float samples in [-1, 1] little-endian into <paramref name="destination"/> (integers: scaled by 2^(bits−1),
    /// rounded to nearest and clipped, so samples that came from that format round-trip exactly); returns the bytes written.
    /// </summary>
    public static int Encode(ReadOnlySpan<float> samples, SampleEncoding encoding, Span<byte> destination)
    {
        int size = encoding.BytesPerSample();
        for (int i = 0; i < samples.Length; i++)
        {
            Span<byte> d = destination.Slice(i * size, size);
            float x = samples[i];
            switch (encoding)
            {
                case SampleEncoding.UInt8:
                    d[0] = (byte)(Quantize(x, 128) + 128);
                    break;
                case SampleEncoding.Int16:
                    BinaryPrimitives.WriteInt16LittleEndian(d, (short)Quantize(x, 32_768));
                    break;
                case SampleEncoding.Int24:
                    int v = (int)Quantize(x, 8_388_608);
                    d[0] = (byte)v;
                    d[1] = (byte)(v >> 8);
                    d[2] = (byte)(v >> 16);
                    break;
                case SampleEncoding.Int32:
                    BinaryPrimitives.WriteInt32LittleEndian(d, (int)Quantize(x, 2_147_483_648));
                    break;
                case SampleEncoding.Float32:
                    BinaryPrimitives.WriteSingleLittleEndian(d, x);
                    break;
                case SampleEncoding.Float64:
                    BinaryPrimitives.WriteDoubleLittleEndian(d, x);
                    break;
            }
        }
        return samples.Length * size;
    }

    /// <summary>Scales to the integer range [-fullScale, fullScale - 1], rounding to nearest; NaN becomes silence.</summary>
    private static long Quantize(float x, long fullScale)
    {
        if (float.IsNaN(x))
            return 0;
        // double keeps Int32 exact: float cannot represent 2^31 - 1.
        double scaled = Math.Round((double)x * fullScale);
        return (long)Math.Clamp(scaled, -fullScale, fullScale - 1);
    }
}
