using PLDistill.Audio.Resampling;

namespace PLDistill.Audio.Tests.Resampling;

public sealed class KaiserSincFilterTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1.2660658777520082)]
    [InlineData(5, 27.239871823604442)]
    [InlineData(10, 2815.7166284662544)]
    public void BesselI0_matches_reference_values(double x, double expected)
    {
        Assert.Equal(expected, KaiserSincFilter.BesselI0(x), expected * 1e-14);
    }

    [Theory]
    [InlineData(100, 0.1102 * 91.3)]
    [InlineData(60, 0.1102 * 51.3)]
    [InlineData(21, 0)]
    [InlineData(10, 0)]
    public void KaiserBeta_follows_Kaisers_formula(double attenuationDb, double expected)
    {
        Assert.Equal(expected, KaiserSincFilter.KaiserBeta(attenuationDb), 12);
    }

    [Fact]
    public void The_length_is_in_seconds_and_independent_of_any_rate()
    {
        // 48 kHz -> 16 kHz: passband 7.2 kHz, stopband 8 kHz, 100 dB.
        var filter = new KaiserSincFilter(7_200, 8_000, 100);

        Assert.Equal(7_600, filter.CutoffHz);
        Assert.Equal(800, filter.TransitionWidthHz);
        Assert.Equal(92 / (2.285 * 2 * Math.PI * 800), filter.LengthSeconds, 15);
        Assert.Equal(0, filter.Evaluate(filter.LengthSeconds / 2));
        Assert.Equal(0, filter.Evaluate(-filter.LengthSeconds));
    }

    [Fact]
    public void The_impulse_response_is_symmetric_and_integrates_to_one()
    {
        var filter = new KaiserSincFilter(7_200, 8_000, 100);
        const double rate = 1_000_000;
        double sum = 0;
        for (int k = -10_000; k <= 10_000; k++)
        {
            double t = k / rate;
            Assert.Equal(filter.Evaluate(t), filter.Evaluate(-t));
            sum += filter.Evaluate(t) / rate;
        }
        Assert.Equal(1, sum, 1e-6);
        Assert.Equal(2 * filter.CutoffHz, filter.Evaluate(0), 1e-9);
    }

    [Fact]
    public void For_uses_the_options_band_edges()
    {
        var filter = KaiserSincFilter.For(new ResamplerOptions(8_000, 16_000, 0.8, 60));

        Assert.Equal(3_600, filter.CutoffHz, 9);
        Assert.Equal(800, filter.TransitionWidthHz, 9);
        Assert.Equal(KaiserSincFilter.KaiserBeta(60), filter.Beta);
    }
}
