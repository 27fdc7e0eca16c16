using PLDistill.Models.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Models.Tests.Features;

public sealed class LogMelSpectrogramTests
{
    private static readonly LogMelOptions Defaults = new();

    private static float[] Noise(int samples, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, samples).Select(_ => (float)(random.NextDouble() * 2 - 1) * 0.3f).ToArray();
    }

    private static float[,] Compute(LogMelSpectrogram module, float[] samples)
    {
        using var input = tensor(samples);
        using var output = module.forward(input);
        var flat = output.numel() == 0 ? [] : output.data<float>().ToArray();
        int frames = (int)output.shape[0], mels = (int)output.shape[1];
        var result = new float[frames, mels];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(float));
        return result;
    }

    [Fact]
    public void Matches_an_independent_naive_dft_reference()
    {
        float[] signal = Noise(4000, seed: 1);
        using var module = new LogMelSpectrogram(Defaults);
        float[,] actual = Compute(module, signal);

        // Reference in double precision: periodic Hann, zero-padded DFT by its definition, the same filters.
        int win = Defaults.WindowLengthSamples, hop = Defaults.HopLengthSamples, nfft = Defaults.FftSize;
        float[][] filters = MelFilterBank.Create(Defaults);
        int frames = Defaults.FrameCount(signal.Length);
        Assert.Equal(frames, actual.GetLength(0));
        double worst = 0;
        for (int f = 0; f < frames; f += 7)
        {
            var power = new double[Defaults.FrequencyBins];
            for (int k = 0; k < power.Length; k++)
            {
                double re = 0, im = 0;
                for (int n = 0; n < win; n++)
                {
                    double w = 0.5 - 0.5 * Math.Cos(2 * Math.PI * n / win);
                    double x = signal[f * hop + n] * w, angle = -2 * Math.PI * k * n / nfft;
                    re += x * Math.Cos(angle);
                    im += x * Math.Sin(angle);
                }
                power[k] = re * re + im * im;
            }
            for (int m = 0; m < Defaults.MelBins; m++)
            {
                double energy = 0;
                for (int k = 0; k < power.Length; k++)
                    energy += filters[m][k] * power[k];
                double expected = Math.Log(Math.Max(energy, Defaults.LogFloor));
                worst = Math.Max(worst, Math.Abs(expected - actual[f, m]));
            }
        }
        Assert.True(worst < 1e-3, $"max |log-mel - reference| = {worst}");
    }

    [Fact]
    public void A_pure_tone_lands_in_the_band_centred_nearest_to_it()
    {
        const double toneHz = 1000;
        var tone = Enumerable.Range(0, 16000).Select(n => (float)(0.5 * Math.Sin(2 * Math.PI * toneHz * n / 16000))).ToArray();
        using var module = new LogMelSpectrogram(Defaults);
        float[,] logMel = Compute(module, tone);

        double top = Defaults.SampleRate / 2.0;
        double lowMel = MelFilterBank.HzToMel(0, MelScale.Slaney), highMel = MelFilterBank.HzToMel(top, MelScale.Slaney);
        int nearest = Enumerable.Range(0, Defaults.MelBins)
            .OrderBy(m => Math.Abs(MelFilterBank.MelToHz(lowMel + (highMel - lowMel) * (m + 1) / (Defaults.MelBins + 1), MelScale.Slaney) - toneHz))
            .First();
        int middle = logMel.GetLength(0) / 2;
        int loudest = Enumerable.Range(0, Defaults.MelBins).MaxBy(m => logMel[middle, m]);
        Assert.InRange(loudest, nearest - 1, nearest + 1);
    }

    [Fact]
    public void Silence_maps_to_the_log_floor()
    {
        using var module = new LogMelSpectrogram(Defaults);
        float[,] logMel = Compute(module, new float[1600]);
        float expected = (float)Math.Log(Defaults.LogFloor);
        foreach (float value in logMel)
            Assert.Equal(expected, value, 4);
    }

    [Theory]
    [InlineData(399, 0)]
    [InlineData(400, 1)]
    [InlineData(559, 1)]
    [InlineData(560, 2)]
    [InlineData(16000, 98)]
    public void Frame_count_follows_whole_windows_only(int samples, int frames)
    {
        using var module = new LogMelSpectrogram(Defaults);
        Assert.Equal(frames, Defaults.FrameCount(samples));
        Assert.Equal(frames, Compute(module, new float[samples]).GetLength(0));
    }

    [Fact]
    public void Batched_input_gives_the_same_frames_as_one_at_a_time()
    {
        using var module = new LogMelSpectrogram(Defaults);
        float[] a = Noise(3200, 2), b = Noise(3200, 3);
        using var batch = tensor(a.Concat(b).ToArray(), [2, 3200]);
        using var both = module.forward(batch);
        Assert.Equal(new long[] { 2, 18, 80 }, both.shape);
        using var first = module.forward(tensor(a));
        Assert.True(both[0].allclose(first, rtol: 0, atol: 1e-5));
    }

    [Theory]
    [InlineData(25.03, 10, 512, 80)]
    [InlineData(25, 30, 512, 80)]
    [InlineData(25, 10, 256, 80)]
    [InlineData(25, 10, 512, 0)]
    public void Invalid_settings_are_rejected_naming_the_setting(double windowMs, double hopMs, int fft, int mels)
    {
        var options = new LogMelOptions { WindowMilliseconds = windowMs, HopMilliseconds = hopMs, FftSize = fft, MelBins = mels };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => options.Validate());
        Assert.False(string.IsNullOrEmpty(error.ParamName));
    }
}
