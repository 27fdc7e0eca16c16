using System.Buffers.Binary;
using PLDistill.Audio.Formats;

namespace PLDistill.Audio.Tests.Formats;

public class PcmSampleDecoderTests
{
    [Fact]
    public void UInt8_maps_128_to_silence_and_scales_by_128()
    {
        byte[] bytes = [0, 1, 127, 128, 129, 255];
        var output = new float[bytes.Length];

        int count = PcmSampleDecoder.Decode(bytes, SampleEncoding.UInt8, output);

        Assert.Equal(bytes.Length, count);
        for (int i = 0; i < bytes.Length; i++)
            Assert.Equal((bytes[i] - 128) / 128.0, output[i]);
        Assert.Equal(-1f, output[0]);
        Assert.Equal(0f, output[3]);
    }

    [Fact]
    public void Int16_scales_by_32768()
    {
        short[] values = [short.MinValue, -12_345, -1, 0, 1, 16_384, short.MaxValue];
        var output = new float[values.Length];

        PcmSampleDecoder.Decode(Int16Bytes(values), SampleEncoding.Int16, output);

        for (int i = 0; i < values.Length; i++)
            Assert.Equal(values[i] / 32_768.0, output[i]);
        Assert.Equal(-1f, output[0]);
        Assert.Equal(0.5f, output[5]);
    }

    [Fact]
    public void Int24_sign_extends_three_bytes_and_scales_by_8388608()
    {
        int[] values = [-8_388_608, -4_194_304, -1, 0, 1, 0x123456, 8_388_607];
        var bytes = new byte[values.Length * 3];
        for (int i = 0; i < values.Length; i++)
        {
            bytes[i * 3] = (byte)(values[i] & 0xFF);
            bytes[i * 3 + 1] = (byte)((values[i] >> 8) & 0xFF);
            bytes[i * 3 + 2] = (byte)((values[i] >> 16) & 0xFF);
        }
        var output = new float[values.Length];

        PcmSampleDecoder.Decode(bytes, SampleEncoding.Int24, output);

        for (int i = 0; i < values.Length; i++)
            Assert.Equal(values[i] / 8_388_608.0, output[i]);
        Assert.Equal(-1f, output[0]);
        Assert.Equal(-0.5f, output[1]);
    }

    [Fact]
    public void Int32_scales_by_2_pow_31_and_stays_below_one()
    {
        int[] values = [int.MinValue, -1 << 30, 0, 1 << 30, int.MaxValue - 1, int.MaxValue];
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        var output = new float[values.Length];

        PcmSampleDecoder.Decode(bytes, SampleEncoding.Int32, output);

        Assert.Equal(-1f, output[0]);
        Assert.Equal(-0.5f, output[1]);
        Assert.Equal(0f, output[2]);
        Assert.Equal(0.5f, output[3]);
        // Full scale must not round up to 1.0: the range is half-open.
        Assert.True(output[4] < 1f, $"{output[4]:R} should be below 1");
        Assert.True(output[5] < 1f, $"{output[5]:R} should be below 1");
        Assert.True(output[5] > 1f - 1e-6f);
    }

    [Fact]
    public void Float32_passes_through_unchanged_even_out_of_range()
    {
        float[] values = [-1f, -0.25f, 0f, 0.123456789f, 1f, 1.5f, float.NaN];
        var output = new float[values.Length];

        PcmSampleDecoder.Decode(Float32Bytes(values), SampleEncoding.Float32, output);

        for (int i = 0; i < values.Length; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(values[i]), BitConverter.SingleToInt32Bits(output[i]));
    }

    [Fact]
    public void Float64_is_narrowed_to_the_nearest_float()
    {
        double[] values = [-1.0, 0.1, 1.0 / 3, 0.999_999_999, 2.5];
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * 8), values[i]);
        var output = new float[values.Length];

        PcmSampleDecoder.Decode(bytes, SampleEncoding.Float64, output);

        for (int i = 0; i < values.Length; i++)
            Assert.Equal((float)values[i], output[i]);
    }

    [Fact]
    public void Every_Int16_value_decodes_inside_minus_one_to_one_half_open()
    {
        var values = new short[65_536];
        for (int i = 0; i < values.Length; i++)
            values[i] = (short)(i - 32_768);
        var output = new float[values.Length];

        PcmSampleDecoder.Decode(Int16Bytes(values), SampleEncoding.Int16, output);

        Assert.All(output, x => Assert.InRange(x, -1f, 1f - 1f / 32_768f));
        Assert.Equal(-1f, output.Min());
    }

    public static TheoryData<SampleEncoding> AllEncodings() => new(Enum.GetValues<SampleEncoding>());

    [Theory]
    [MemberData(nameof(AllEncodings))]
    public void Fast_path_matches_the_portable_reference_on_random_bytes(SampleEncoding encoding)
    {
        var random = new Random(7 + (int)encoding);
        int count = 1_001; // odd, so vectorised loops also exercise their tails
        var bytes = new byte[count * encoding.BytesPerSample()];
        random.NextBytes(bytes);
        var fast = new float[count];
        var reference = new float[count];

        PcmSampleDecoder.Decode(bytes, encoding, fast);
        PcmSampleDecoder.DecodePortable(bytes, encoding, reference);

        for (int i = 0; i < count; i++)
        {
            if (float.IsNaN(reference[i]))
                Assert.True(float.IsNaN(fast[i]), $"sample {i} should be NaN");
            else
                Assert.Equal(reference[i], fast[i]);
        }
    }

    [Theory]
    [MemberData(nameof(AllEncodings))]
    public void Unaligned_input_decodes_the_same_as_aligned(SampleEncoding encoding)
    {
        var random = new Random(3);
        int count = 257;
        var samples = new byte[count * encoding.BytesPerSample()];
        random.NextBytes(samples);
        var aligned = new float[count];
        PcmSampleDecoder.Decode(samples, encoding, aligned);

        for (int offset = 1; offset < 8; offset++)
        {
            var shifted = new byte[samples.Length + offset];
            samples.CopyTo(shifted, offset);
            var output = new float[count];

            PcmSampleDecoder.Decode(shifted.AsSpan(offset), encoding, output);

            Assert.Equal(aligned.Select(BitConverter.SingleToInt32Bits), output.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Theory]
    [InlineData(SampleEncoding.UInt8)]
    [InlineData(SampleEncoding.Int16)]
    [InlineData(SampleEncoding.Int24)]
    [InlineData(SampleEncoding.Int32)]
    public void Integer_encodings_never_leave_minus_one_to_one(SampleEncoding encoding)
    {
        var random = new Random(11);
        var bytes = new byte[4_096 * encoding.BytesPerSample()];
        random.NextBytes(bytes);
        var output = new float[4_096];

        PcmSampleDecoder.Decode(bytes, encoding, output);

        Assert.All(output, x => Assert.True(x is >= -1f and < 1f, $"{x:R} is outside [-1, 1)"));
    }

    [Fact]
    public void Leaves_the_rest_of_a_longer_destination_untouched()
    {
        var output = new float[] { 9f, 9f, 9f, 9f };

        int count = PcmSampleDecoder.Decode(Int16Bytes(16_384, -16_384), SampleEncoding.Int16, output);

        Assert.Equal(2, count);
        Assert.Equal([0.5f, -0.5f, 9f, 9f], output);
    }

    [Fact]
    public void Empty_input_decodes_nothing()
    {
        Assert.Equal(0, PcmSampleDecoder.Decode([], SampleEncoding.Int24, Span<float>.Empty));
    }

    [Fact]
    public void A_partial_sample_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => PcmSampleDecoder.Decode(new byte[5], SampleEncoding.Int16, new float[4]));
        Assert.Equal("bytes", error.ParamName);
    }

    [Fact]
    public void A_destination_too_short_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => PcmSampleDecoder.Decode(new byte[12], SampleEncoding.Int24, new float[3]));
        Assert.Equal("destination", error.ParamName);
    }

    private static byte[] Int16Bytes(params short[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), values[i]);
        return bytes;
    }

    private static byte[] Float32Bytes(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }
}
