using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace PLDistill.Audio.Formats;

/// <summary>
/// Converts little-endian PCM bytes of any <see cref="SampleEncoding"/> into floats.
/// Integer encodings land in [-1, 1): UInt8 as (x - 128) / 128, Int16 as x / 32768, Int24 as x / 8388608,
/// Int32 as x / 2147483648. Float32 passes through unchanged (NaN and values outside [-1, 1] included);
/// Float64 is narrowed to float.
/// </summary>
/// <remarks>
/// This sits on the hot path of every stream, so it allocates nothing and works on whole spans at a time.
/// The fast path reinterprets the bytes in place with <see cref="MemoryMarshal.Cast{TFrom, TTo}(ReadOnlySpan{TFrom})"/>;
/// that needs a little-endian CPU (all supported .NET 64-bit targets) and tolerates any alignment of the
/// input, because x64 and ARM64 load unaligned integers and floats natively.
/// </remarks>
public static class PcmSampleDecoder
{
    private const float Int16Scale = 1f / 32_768f;
    private const float Int24Scale = 1f / 8_388_608f;
    private const float Int32Scale = 1f / 2_147_483_648f;

    // float has a 24-bit mantissa, so int.MaxValue / 2^31 rounds up to exactly 1.0f.
    // Clamping to the largest float below 1 keeps the promised half-open range [-1, 1).
    private const float LargestBelowOne = 1f - 1f / 16_777_216f;

    // 256 entries cover every 8-bit sample; a lookup is cheaper than convert + subtract + scale.
    private static readonly float[] UInt8Table = BuildUInt8Table();

    /// <summary>
    /// Decodes all samples in <paramref name="bytes"/> into the start of <paramref name="destination"/>.
    /// </summary>
    /// <param name="bytes">Whole samples, little-endian; its length must be a multiple of the sample size.</param>
    /// <param name="encoding">How each sample is stored.</param>
    /// <param name="destination">Receives one float per sample; must be at least as long as the sample count.</param>
    /// <returns>The number of samples decoded (<c>bytes.Length / encoding.BytesPerSample()</c>).</returns>
    /// <exception cref="ArgumentException">A partial sample in <paramref name="bytes"/>, or <paramref name="destination"/> too short.</exception>
    public static int Decode(ReadOnlySpan<byte> bytes, SampleEncoding encoding, Span<float> destination)
    {
        int count = CheckLengths(bytes, encoding, destination);
        if (!BitConverter.IsLittleEndian)
        {
            // Reinterpreting bytes would read them in the wrong order; take the portable route.
            DecodePortable(bytes, encoding, destination);
            return count;
        }

        Span<float> output = destination[..count];
        switch (encoding)
        {
            case SampleEncoding.UInt8:
                ReadOnlySpan<float> table = UInt8Table;
                for (int i = 0; i < output.Length; i++)
                    output[i] = table[bytes[i]];
                break;
            case SampleEncoding.Int16:
                TensorPrimitives.ConvertTruncating<short, float>(MemoryMarshal.Cast<byte, short>(bytes), output);
                TensorPrimitives.Multiply(output, Int16Scale, output);
                break;
            case SampleEncoding.Int24:
                DecodeInt24(bytes, output);
                break;
            case SampleEncoding.Int32:
                TensorPrimitives.ConvertTruncating<int, float>(MemoryMarshal.Cast<byte, int>(bytes), output);
                TensorPrimitives.Multiply(output, Int32Scale, output);
                TensorPrimitives.Min(output, LargestBelowOne, output);
                break;
            case SampleEncoding.Float32:
                MemoryMarshal.Cast<byte, float>(bytes).CopyTo(output);
                break;
            case SampleEncoding.Float64:
                TensorPrimitives.ConvertTruncating<double, float>(MemoryMarshal.Cast<byte, double>(bytes), output);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "unknown sample encoding");
        }
        return count;
    }

    /// <summary>
    /// The same conversion one sample at a time through <see cref="BinaryPrimitives"/>: correct on any CPU,
    /// used on big-endian machines and by the tests as the reference for the fast path.
    /// </summary>
    internal static int DecodePortable(ReadOnlySpan<byte> bytes, SampleEncoding encoding, Span<float> destination)
    {
        int count = CheckLengths(bytes, encoding, destination);
        for (int i = 0; i < count; i++)
        {
            destination[i] = encoding switch
            {
                SampleEncoding.UInt8 => (bytes[i] - 128) / 128f,
                SampleEncoding.Int16 => BinaryPrimitives.ReadInt16LittleEndian(bytes[(i * 2)..]) * Int16Scale,
                SampleEncoding.Int24 => ReadInt24(bytes[(i * 3)..]) * Int24Scale,
                SampleEncoding.Int32 => MathF.Min(BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]) * Int32Scale, LargestBelowOne),
                SampleEncoding.Float32 => BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]),
                SampleEncoding.Float64 => (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 8)..]),
                _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "unknown sample encoding"),
            };
        }
        return count;
    }

    private static void DecodeInt24(ReadOnlySpan<byte> bytes, Span<float> output)
    {
        // No 3-byte integer type exists, so assemble each sample by hand; casting the top byte to sbyte
        // sign-extends it, which turns 0x800000 into -8388608.
        for (int i = 0, b = 0; i < output.Length; i++, b += 3)
            output[i] = (bytes[b] | (bytes[b + 1] << 8) | ((sbyte)bytes[b + 2] << 16)) * Int24Scale;
    }

    private static int ReadInt24(ReadOnlySpan<byte> b) => b[0] | (b[1] << 8) | ((sbyte)b[2] << 16);

    private static int CheckLengths(ReadOnlySpan<byte> bytes, SampleEncoding encoding, Span<float> destination)
    {
        int bytesPerSample = encoding.BytesPerSample();
        if (bytes.Length % bytesPerSample != 0)
            throw new ArgumentException(
                $"{bytes.Length} bytes is not a whole number of {bytesPerSample}-byte {encoding} samples", nameof(bytes));
        int count = bytes.Length / bytesPerSample;
        if (destination.Length < count)
            throw new ArgumentException(
                $"destination holds {destination.Length} samples but {count} are needed", nameof(destination));
        return count;
    }

    private static float[] BuildUInt8Table()
    {
        var table = new float[256];
        for (int i = 0; i < table.Length; i++)
            table[i] = (i - 128) / 128f;
        return table;
    }
}
