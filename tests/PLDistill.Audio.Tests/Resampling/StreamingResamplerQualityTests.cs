using PLDistill.Audio.Resampling;

namespace PLDistill.Audio.Tests.Resampling;

/// <summary>
/// Frequency-domain quality of <see cref="StreamingResampler"/> with default options, measured on analytic sines.
/// The limits asserted here are the figures quoted in the resampler's documentation.
/// </summary>
public sealed class StreamingResamplerQualityTests
{
    private const int OutputRate = 16_000;
    private const double Amplitude = 0.5;

    /// <summary>Largest passband gain error asserted, dB.</summary>
    private const double MaxPassbandErrorDb = 0.001;
    /// <summary>Smallest attenuation asserted for input above the output Nyquist frequency, dB.</summary>
    private const double MinAliasRejectionDb = 99;
    /// <summary>Smallest attenuation asserted for the images of upsampled tones, dB.</summary>
    private const double MinImageRejectionDb = 99;
    /// <summary>Smallest distance asserted between a passband tone and everything else in the output, dB.</summary>
    private const double MinSpuriousRejectionDb = 105;

    public static TheoryData<int> InputRates => [8_000, 11_025, 22_050, 44_100, 48_000, 96_000, 192_000, 44_099];

    [Theory]
    [MemberData(nameof(InputRates))]
    public void Passband_tones_keep_their_amplitude(int inputRate)
    {
        var options = new ResamplerOptions(inputRate, OutputRate);
        double edge = options.PassbandEdgeHz; // 7.2 kHz, or 3.6 kHz from 8 kHz
        foreach (double frequency in new[] { 100, 1_000, 3_000, 0.5 * edge, 0.75 * edge, 0.9 * edge, edge })
        {
            float[] output = StreamingResampler.ResampleAll(ToneAnalysis.Sine(frequency, inputRate, inputRate / 2), options);

            var (amplitude, residualRms) = ToneAnalysis.FitTone(SteadyState(output), frequency, OutputRate);

            double errorDb = ToneAnalysis.Db(amplitude / Amplitude);
            Assert.True(Math.Abs(errorDb) <= MaxPassbandErrorDb,
                $"{inputRate} Hz: a {frequency} Hz tone came out {errorDb:+0.00000;-0.00000} dB");
            // Nothing but the tone: no images, no timing jitter from the phase tables, no filter noise.
            double spuriousDb = ToneAnalysis.Db(Amplitude / (residualRms * Math.Sqrt(2)));
            Assert.True(spuriousDb >= MinSpuriousRejectionDb,
                $"{inputRate} Hz: a {frequency} Hz tone came out with spurious content at -{spuriousDb:0.0} dB");
        }
    }

    public static TheoryData<int, double> AliasingTones
    {
        get
        {
            var data = new TheoryData<int, double>();
            // 8.02 kHz is the peak of the first stopband sidelobe, the hardest tone to reject.
            double[] tones = [8_020, 8_100, 8_500, 10_000, 11_000, 15_000, 20_000, 23_900, 40_000, 90_000];
            foreach (int rate in new[] { 22_050, 44_100, 48_000, 96_000, 192_000, 44_099 })
                foreach (double tone in tones)
                    if (tone < rate / 2.0)
                        data.Add(rate, tone);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(AliasingTones))]
    public void Tones_above_the_output_Nyquist_frequency_do_not_alias(int inputRate, double frequency)
    {
        var options = new ResamplerOptions(inputRate, OutputRate);

        float[] output = StreamingResampler.ResampleAll(ToneAnalysis.Sine(frequency, inputRate, inputRate / 2), options);

        // Whatever comes out is alias: its whole RMS counts, not just the expected alias frequency.
        double leakedAmplitude = ToneAnalysis.Rms(SteadyState(output)) * Math.Sqrt(2);
        double rejectionDb = ToneAnalysis.Db(Amplitude / leakedAmplitude);
        Assert.True(rejectionDb >= MinAliasRejectionDb,
            $"{inputRate} Hz: a {frequency} Hz tone leaked through at -{rejectionDb:0.0} dB");
    }

    [Theory]
    [InlineData(8_000)]
    [InlineData(11_025)]
    public void Upsampling_rejects_the_images(int inputRate)
    {
        var options = new ResamplerOptions(inputRate, OutputRate);
        // Up to just below the input Nyquist frequency, whose image lands just above it: the hardest case.
        double[] tones = [100, 1_000, 2_000, 3_000, options.PassbandEdgeHz, 0.99 * options.StopbandEdgeHz];
        foreach (double frequency in tones)
        {
            float[] output = StreamingResampler.ResampleAll(ToneAnalysis.Sine(frequency, inputRate, inputRate / 2), options);

            // The images sit at inputRate - f, inputRate + f, ...; anything beside the tone itself counts.
            var (_, residualRms) = ToneAnalysis.FitTone(SteadyState(output), frequency, OutputRate);

            double rejectionDb = ToneAnalysis.Db(Amplitude / (residualRms * Math.Sqrt(2)));
            Assert.True(rejectionDb >= MinImageRejectionDb,
                $"{inputRate} Hz: images of a {frequency} Hz tone at -{rejectionDb:0.0} dB");
        }
    }

    [Fact]
    public void The_filter_is_centred_on_the_output_instant()
    {
        // An impulse at input sample 4 800 (0.1 s at 48 kHz) must peak at output 1 600 (0.1 s at 16 kHz), symmetrically.
        var input = new float[9_600];
        input[4_800] = 1;

        float[] output = StreamingResampler.ResampleAll(input, new ResamplerOptions(48_000, OutputRate));

        int peak = Array.IndexOf(output, output.Max());
        Assert.Equal(1_600, peak);
        for (int k = 1; k < 100; k++)
            Assert.Equal(output[peak - k], output[peak + k], 1e-7f);
    }

    // Skips the ends, where the filter reaches into the silence around the signal (at most 14 ms: 8 kHz input).
    private static ReadOnlySpan<float> SteadyState(float[] output) => output.AsSpan(1_000, output.Length - 2_000);
}
