using PLDistill.Audio.Resampling;

namespace PLDistill.Audio.Tests.Resampling;

/// <summary>Behaviour specific to <see cref="StreamingResampler"/>; the shared contract lives in <see cref="ResamplerContractTests"/>.</summary>
public sealed class StreamingResamplerTests
{
    [Theory]
    [InlineData(48_000, 16_000)]
    [InlineData(44_099, 16_000)]
    [InlineData(16_000, 16_000)]
    public void ResampleAll_equals_streaming_the_same_signal(int inputRate, int outputRate)
    {
        var options = new ResamplerOptions(inputRate, outputRate);
        float[] input = ToneAnalysis.Noise(12_345, seed: 8);
        var resampler = new StreamingResampler(options);
        var streamed = new float[resampler.MaxOutputFor(input.Length) + resampler.MaxOutputFor(0)];
        int count = 0;
        for (int offset = 0; offset < input.Length; offset += 1_000)
            count += resampler.Process(input.AsSpan(offset, Math.Min(1_000, input.Length - offset)), streamed.AsSpan(count));
        count += resampler.Flush(streamed.AsSpan(count));

        Assert.Equal(streamed.AsSpan(0, count).ToArray(), StreamingResampler.ResampleAll(input, options));
    }

    [Fact]
    public void Latency_is_half_the_filter()
    {
        var resampler = new StreamingResampler(new ResamplerOptions(48_000, 16_000));

        Assert.Equal(resampler.FilterLength / 2 / 48_000.0, resampler.LatencySeconds, 12);
        // Kaiser's length for 100 dB over an 800 Hz transition: 8.0 ms, i.e. 385 taps at 48 kHz, rounded up to even.
        Assert.Equal(386, resampler.FilterLength);
    }

    [Fact]
    public void Output_waits_only_for_the_look_ahead()
    {
        var resampler = new StreamingResampler(new ResamplerOptions(48_000, 16_000));
        int lookAhead = resampler.FilterLength / 2;
        var output = new float[resampler.MaxOutputFor(48_000)];

        // Output n needs input up to 3n + lookAhead: nothing before that many samples, then one output per 3.
        Assert.Equal(0, resampler.Process(new float[lookAhead], output));
        Assert.Equal(1, resampler.Process(new float[1], output));
        Assert.Equal(1, resampler.Process(new float[3], output));
        Assert.Equal(0, resampler.Process(new float[2], output));
        Assert.Equal(1, resampler.Process(new float[1], output));
    }

    [Fact]
    public void Equal_rates_have_no_filter_and_no_latency()
    {
        var resampler = new StreamingResampler(new ResamplerOptions(44_100, 44_100));

        Assert.Equal(0, resampler.FilterLength);
        Assert.Equal(0, resampler.LatencySeconds);
        Assert.Equal(1_000, resampler.MaxOutputFor(1_000));
    }
}
