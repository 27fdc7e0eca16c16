using PLDistill.Audio.Formats;
using PLDistill.Audio.Sources;

namespace PLDistill.Audio.Tests.TestSupport;

/// <summary>Signals, tolerances and read-everything helpers shared by the audio tests.</summary>
internal static class TestAudio
{
    public delegate int FrameReader(Span<float> destination);

    /// <summary>A different sine per channel plus seeded noise, kept within ±0.95 so no sample clips.</summary>
    public static float[] Signal(int frames, int channels, int seed = 42)
    {
        var random = new Random(seed);
        var samples = new float[frames * channels];
        for (int f = 0; f < frames; f++)
        {
            for (int c = 0; c < channels; c++)
            {
                double tone = 0.6 * Math.Sin(2 * Math.PI * (0.01 + 0.003 * c) * f);
                double noise = 0.35 * (random.NextDouble() * 2 - 1);
                samples[f * channels + c] = (float)(tone + noise);
            }
        }
        return samples;
    }

    /// <summary>
    /// Largest error a write-then-read may add: half a quantisation step for integers (plus float rounding of the
    /// 32-bit integer's decode, whose 2^-31 steps are finer than a float near 1 can show); none for floats.
    /// </summary>
    public static double Tolerance(SampleEncoding encoding) => encoding switch
    {
        SampleEncoding.UInt8 => 0.5 / 128 + 1e-9,
        SampleEncoding.Int16 => 0.5 / 32_768 + 1e-9,
        SampleEncoding.Int24 => 0.5 / 8_388_608 + 1e-9,
        SampleEncoding.Int32 => 0.5 / 2_147_483_648 + Math.Pow(2, -25),
        _ => 0,
    };

    /// <summary>Reads until the reader returns 0, with read sizes cycling through <paramref name="framesPerRead"/>.</summary>
    public static float[] ReadAll(FrameReader read, int channels, params int[] framesPerRead)
    {
        if (framesPerRead.Length == 0)
            framesPerRead = [4096];
        var all = new List<float>();
        var buffer = new float[framesPerRead.Max() * channels];
        for (int i = 0; ; i++)
        {
            int wanted = framesPerRead[i % framesPerRead.Length];
            int frames = read(buffer.AsSpan(0, wanted * channels));
            Assert.InRange(frames, 0, wanted);
            if (frames == 0)
                return [.. all];
            all.AddRange(buffer.AsSpan(0, frames * channels));
        }
    }

    public static async Task<float[]> ReadAllAsync(IAudioSource source, int framesPerRead = 1024, CancellationToken cancellationToken = default)
    {
        var all = new List<float>();
        var buffer = new float[framesPerRead * source.Format.Channels];
        while (true)
        {
            int frames = await source.ReadAsync(buffer, cancellationToken);
            if (frames == 0)
                return [.. all];
            all.AddRange(buffer.AsSpan(0, frames * source.Format.Channels));
        }
    }

    public static byte[] WriteWav(ReadOnlySpan<float> interleaved, PcmFormat format, bool extensible = false)
    {
        using var memory = new MemoryStream();
        using (var writer = new WavWriter(memory, format, extensible, leaveOpen: true))
            writer.WriteFrames(interleaved);
        return memory.ToArray();
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)expected[i] - actual[i]);
            if (error > tolerance)
                Assert.Fail($"sample {i}: expected {expected[i]:R}, got {actual[i]:R} (error {error:E3} > {tolerance:E3})");
        }
    }
}
