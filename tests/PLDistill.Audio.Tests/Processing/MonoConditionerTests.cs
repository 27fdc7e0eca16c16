using PLDistill.Audio.Formats;
using PLDistill.Audio.Processing;
using PLDistill.Audio.Resampling;
using PLDistill.Audio.Tests.Resampling;

namespace PLDistill.Audio.Tests.Processing;

public sealed class MonoConditionerTests
{
    [Theory]
    [InlineData(44_100, 2)]
    [InlineData(48_000, 6)]
    [InlineData(8_000, 1)]
    [InlineData(16_000, 2)]
    [InlineData(16_000, 1)]
    [InlineData(22_050, 8)]
    public void Output_is_the_downmix_resampled_whatever_the_chunking(int sampleRate, int channels)
    {
        var format = new PcmFormat(sampleRate, channels, SampleEncoding.Int16);
        const int frames = 20_000; // several downmix blocks
        float[] interleaved = ToneAnalysis.Noise(frames * channels, seed: sampleRate + channels);
        var mono = new float[frames];
        Downmixer.ToMono(interleaved, channels, mono);
        float[] expected = StreamingResampler.ResampleAll(mono, new ResamplerOptions(sampleRate, 16_000));

        float[] whole = Run(new MonoConditioner(format), interleaved, [frames]);
        float[] oneFrameAtATime = Run(new MonoConditioner(format), interleaved, [1]);
        float[] random = Run(new MonoConditioner(format), interleaved, RandomFrameCounts(seed: 9, total: frames));

        Assert.Equal(expected, whole);
        Assert.Equal(expected, oneFrameAtATime);
        Assert.Equal(expected, random);
    }

    [Fact]
    public void Mono_at_the_target_rate_passes_through()
    {
        var conditioner = new MonoConditioner(new PcmFormat(16_000, 1, SampleEncoding.Float32));
        float[] samples = ToneAnalysis.Noise(3_000, seed: 10);

        Assert.Equal(samples, Run(conditioner, samples, [160]));
        Assert.Equal(16_000, conditioner.OutputSampleRate);
    }

    [Fact]
    public void The_target_rate_can_be_chosen()
    {
        var conditioner = new MonoConditioner(new PcmFormat(48_000, 2, SampleEncoding.Int16), targetSampleRate: 8_000);

        float[] output = Run(conditioner, new float[2 * 48_000], [4_800]);

        Assert.Equal(8_000, conditioner.OutputSampleRate);
        Assert.Equal(8_000, output.Length);
    }

    [Fact]
    public void Reset_starts_a_new_stream_and_Flush_is_idempotent()
    {
        var format = new PcmFormat(44_100, 2, SampleEncoding.Int24);
        float[] first = ToneAnalysis.Noise(2 * 5_000, seed: 11);
        float[] second = ToneAnalysis.Noise(2 * 7_000, seed: 12);
        var conditioner = new MonoConditioner(format);
        Run(conditioner, first, [1_000]);

        Assert.Equal(0, conditioner.Flush(new float[conditioner.MaxOutputFor(0)]));
        Assert.Throws<InvalidOperationException>(() => conditioner.Process(new float[2], new float[conditioner.MaxOutputFor(2)]));
        conditioner.Reset();
        Assert.Equal(Run(new MonoConditioner(format), second, [7_000]), Run(conditioner, second, [777]));
    }

    [Fact]
    public void A_partial_frame_throws_naming_the_input()
    {
        var conditioner = new MonoConditioner(new PcmFormat(48_000, 2, SampleEncoding.Int16));

        var error = Assert.Throws<ArgumentException>(() => conditioner.Process(new float[3], new float[100]));
        Assert.Equal("interleaved", error.ParamName);
    }

    [Fact]
    public void Too_short_an_output_throws_before_consuming_anything()
    {
        var format = new PcmFormat(48_000, 2, SampleEncoding.Int16);
        var conditioner = new MonoConditioner(format);
        float[] input = ToneAnalysis.Noise(2 * 10_000, seed: 13);

        var error = Assert.Throws<ArgumentException>(() => conditioner.Process(input, new float[10]));
        Assert.Equal("output", error.ParamName);
        Assert.Equal(Run(new MonoConditioner(format), input, [10_000]), Run(conditioner, input, [10_000]));
    }

    [Fact]
    public void A_resampler_for_another_input_rate_is_refused()
    {
        var resampler = new StreamingResampler(new ResamplerOptions(48_000, 16_000));

        var error = Assert.Throws<ArgumentException>(
            () => new MonoConditioner(new PcmFormat(44_100, 2, SampleEncoding.Int16), resampler));
        Assert.Equal("resampler", error.ParamName);
    }

    [Fact]
    public void An_unsupported_target_rate_throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new MonoConditioner(new PcmFormat(44_100, 2, SampleEncoding.Int16), targetSampleRate: 4_000));
        Assert.Equal("outputRate", error.ParamName);
    }

    [Theory]
    [InlineData(48_000, 1)]
    [InlineData(48_000, 2)]
    [InlineData(16_000, 1)]
    public void A_nan_or_infinite_sample_is_silence_not_a_spreading_nan(int sampleRate, int channels)
    {
        var format = new PcmFormat(sampleRate, channels, SampleEncoding.Float32);
        int frames = sampleRate;   // one second
        float[] interleaved = ToneAnalysis.Noise(frames * channels, seed: 4);
        float[] cleaned = (float[])interleaved.Clone();
        foreach (int frame in new[] { frames / 2, frames / 3 })
        {
            interleaved[frame * channels] = frame == frames / 2 ? float.NaN : float.PositiveInfinity;
            cleaned.AsSpan(frame * channels, channels).Clear();   // the whole frame is silence
        }

        float[] output = Run(new MonoConditioner(format), interleaved, [1_000]);

        Assert.All(output, sample => Assert.True(float.IsFinite(sample)));
        Assert.Equal(Run(new MonoConditioner(format), cleaned, [1_000]), output);
    }

    // Feeds whole frames in chunks of the given frame counts (cycled), then flushes.
    private static float[] Run(MonoConditioner conditioner, float[] interleaved, int[] frameCounts)
    {
        int channels = conditioner.InputFormat.Channels;
        var output = new List<float>();
        var buffer = new float[conditioner.MaxOutputFor(interleaved.Length)];
        int offset = 0;
        for (int k = 0; offset < interleaved.Length; k++)
        {
            int size = Math.Min(frameCounts[k % frameCounts.Length] * channels, interleaved.Length - offset);
            int written = conditioner.Process(interleaved.AsSpan(offset, size), buffer);
            output.AddRange(buffer.AsSpan(0, written));
            offset += size;
        }
        output.AddRange(buffer.AsSpan(0, conditioner.Flush(buffer)));
        return [.. output];
    }

    private static int[] RandomFrameCounts(int seed, int total)
    {
        var random = new Random(seed);
        var counts = new List<int>();
        for (int sum = 0; sum < total; sum += counts[^1])
            counts.Add(random.Next(1, 9_000));
        return [.. counts];
    }
}
