using PLDistill.Audio.Resampling;

namespace PLDistill.Audio.Tests.Resampling;

/// <summary>
/// What every <see cref="IResampler"/> must do, whatever its filter: chunking-independent output, exact stream
/// length, pass-through at equal rates, unit DC gain, idempotent Flush, Reset to a fresh stream, no allocation
/// per call. An implementation gets these tests by deriving a class that says how to create it.
/// </summary>
public abstract class ResamplerContractTests
{
    /// <summary>Creates the implementation under test.</summary>
    protected abstract IResampler Create(ResamplerOptions options);

    // Tabulated phases (48k, 44.1k, 11.025k, 192k), upsampling (8k, 16k->48k), an awkward rate (44 099 Hz:
    // L = 16 000, interpolated phases) and equal rates.
    private static readonly (int Input, int Output)[] Pairs =
    [
        (48_000, 16_000), (44_100, 16_000), (11_025, 16_000), (192_000, 16_000),
        (8_000, 16_000), (16_000, 48_000), (44_099, 16_000), (16_000, 16_000),
    ];

    // Fixed chunk sizes, or "random:seed:max" for seeded random sizes 1..max.
    private static readonly string[] Chunkings = ["1", "7", "160", "4096", "random:1:5000", "random:2:50"];

    public static TheoryData<int, int> RatePairs
    {
        get
        {
            var data = new TheoryData<int, int>();
            foreach (var (input, output) in Pairs)
                data.Add(input, output);
            return data;
        }
    }

    public static TheoryData<int, int, string> RatePairsAndChunkings
    {
        get
        {
            var data = new TheoryData<int, int, string>();
            foreach (var (input, output) in Pairs)
                foreach (string chunking in Chunkings)
                    data.Add(input, output, chunking);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(RatePairsAndChunkings))]
    public void Any_chunking_gives_the_same_output_as_one_call(int inputRate, int outputRate, string chunking)
    {
        var options = new ResamplerOptions(inputRate, outputRate);
        float[] input = ToneAnalysis.Noise(30_000, seed: inputRate);

        float[] whole = Run(Create(options), input, [input.Length]);
        float[] chunked = Run(Create(options), input, ChunkSizes(chunking, input.Length));

        Assert.Equal(options.OutputLengthFor(input.Length), whole.Length);
        Assert.Equal(whole, chunked); // bit for bit
    }

    [Theory]
    [MemberData(nameof(RatePairs))]
    public void A_stream_yields_exactly_ceil_of_length_times_rate_ratio(int inputRate, int outputRate)
    {
        var options = new ResamplerOptions(inputRate, outputRate);
        foreach (int length in new[] { 0, 1, 2, 3, 159, 160, 161, 1_000, 44_099, 48_001 })
        {
            float[] output = Run(Create(options), new float[length], [Math.Max(length / 3, 1)]);
            long expected = ((long)length * outputRate + inputRate - 1) / inputRate;
            Assert.Equal(expected, output.Length);
        }
    }

    [Theory]
    [InlineData(8_000)]
    [InlineData(16_000)]
    [InlineData(44_100)]
    [InlineData(192_000)]
    public void Equal_rates_pass_samples_through_unchanged(int rate)
    {
        var resampler = Create(new ResamplerOptions(rate, rate));
        float[] input = ToneAnalysis.Noise(5_000, seed: 3);

        float[] output = Run(resampler, input, [1, 7, 160, 4096]);

        Assert.Equal(input, output);
    }

    [Theory]
    [MemberData(nameof(RatePairs))]
    public void DC_gain_is_one(int inputRate, int outputRate)
    {
        var options = new ResamplerOptions(inputRate, outputRate);
        float[] input = new float[inputRate / 2];
        Array.Fill(input, 0.75f);

        float[] output = Run(Create(options), input, [input.Length]);

        // Away from both ends, where the filter sees silence beyond the signal.
        int margin = outputRate / 20;
        for (int n = margin; n < output.Length - margin; n++)
            Assert.True(Math.Abs(output[n] - 0.75f) <= 1e-6f, $"output[{n}] = {output[n]:R}");
    }

    [Theory]
    [MemberData(nameof(RatePairs))]
    public void Flush_twice_writes_nothing_the_second_time(int inputRate, int outputRate)
    {
        var resampler = Create(new ResamplerOptions(inputRate, outputRate));
        var output = new float[resampler.MaxOutputFor(1_000)];
        resampler.Process(ToneAnalysis.Noise(1_000, seed: 4), output);
        resampler.Flush(output);

        Assert.Equal(0, resampler.Flush(output));
    }

    [Theory]
    [MemberData(nameof(RatePairs))]
    public void After_Reset_a_new_stream_matches_a_fresh_resampler(int inputRate, int outputRate)
    {
        var options = new ResamplerOptions(inputRate, outputRate);
        float[] first = ToneAnalysis.Noise(7_000, seed: 5);
        float[] second = ToneAnalysis.Noise(9_000, seed: 6);

        var reused = Create(options);
        Run(reused, first, [1_000]);          // a whole stream, flushed
        reused.Reset();
        float[] afterFlushAndReset = Run(reused, second, [333]);
        var scratch = new float[reused.MaxOutputFor(2_500)];
        reused.Reset();
        reused.Process(first.AsSpan(0, 2_500), scratch); // a stream abandoned midway
        reused.Reset();
        float[] afterAbandonAndReset = Run(reused, second, [4_096]);

        float[] fresh = Run(Create(options), second, [second.Length]);
        Assert.Equal(fresh, afterFlushAndReset);
        Assert.Equal(fresh, afterAbandonAndReset);
    }

    [Theory]
    [MemberData(nameof(RatePairs))]
    public void Process_after_Flush_throws_until_Reset(int inputRate, int outputRate)
    {
        var resampler = Create(new ResamplerOptions(inputRate, outputRate));
        var output = new float[resampler.MaxOutputFor(100)];
        resampler.Flush(output);

        Assert.Throws<InvalidOperationException>(() => resampler.Process(new float[100], output));
        resampler.Reset();
        resampler.Process(new float[100], output);
    }

    [Theory]
    [MemberData(nameof(RatePairs))]
    public void Too_short_an_output_throws_naming_it(int inputRate, int outputRate)
    {
        var resampler = Create(new ResamplerOptions(inputRate, outputRate));

        var error = Assert.Throws<ArgumentException>(() => resampler.Process(new float[48_000], new float[10]));
        Assert.Equal("output", error.ParamName);
    }

    [Theory]
    [MemberData(nameof(RatePairs))]
    public void Nothing_is_allocated_per_call_after_warm_up(int inputRate, int outputRate)
    {
        float[] input = ToneAnalysis.Noise(20_000, seed: 7);
        long Stream()   // bytes this thread allocates while a fresh, warmed-up resampler takes 160-sample chunks and flushes
        {
            var resampler = Create(new ResamplerOptions(inputRate, outputRate));
            var output = new float[resampler.MaxOutputFor(4_096)];
            resampler.Process(input.AsSpan(0, 4_096), output);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int offset = 4_096; offset + 160 <= input.Length; offset += 160)
                resampler.Process(input.AsSpan(offset, 160), output);
            resampler.Flush(output);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        // The runtime may allocate once on this thread while it tiers the code up (seen under a full parallel test run:
        // 7 KB in one pass); an allocation per call would show in every pass, so the steady-state pass is the least.
        long allocated = Enumerable.Range(0, 3).Select(_ => Stream()).Min();

        Assert.Equal(0, allocated);
    }

    /// <summary>Feeds <paramref name="input"/> in chunks of the given sizes (cycled), checks each call against MaxOutputFor, flushes.</summary>
    protected static float[] Run(IResampler resampler, float[] input, int[] chunkSizes)
    {
        var output = new List<float>();
        var buffer = new float[resampler.MaxOutputFor(input.Length)];
        int offset = 0;
        for (int k = 0; offset < input.Length; k++)
        {
            int size = Math.Min(chunkSizes[k % chunkSizes.Length], input.Length - offset);
            int written = resampler.Process(input.AsSpan(offset, size), buffer);
            Assert.InRange(written, 0, resampler.MaxOutputFor(size));
            output.AddRange(buffer.AsSpan(0, written));
            offset += size;
        }
        int flushed = resampler.Flush(buffer);
        Assert.InRange(flushed, 0, resampler.MaxOutputFor(0));
        output.AddRange(buffer.AsSpan(0, flushed));
        return [.. output];
    }

    private static int[] ChunkSizes(string chunking, int total)
    {
        if (!chunking.StartsWith("random:", StringComparison.Ordinal))
            return [int.Parse(chunking, System.Globalization.CultureInfo.InvariantCulture)];
        string[] parts = chunking.Split(':');
        var random = new Random(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        int max = int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture);
        var sizes = new List<int>();
        for (int sum = 0; sum < total; sum += sizes[^1])
            sizes.Add(random.Next(1, max + 1));
        return [.. sizes];
    }
}
