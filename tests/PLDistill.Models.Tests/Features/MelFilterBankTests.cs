using PLDistill.Models.Features;

namespace PLDistill.Models.Tests.Features;

public sealed class MelFilterBankTests
{
    [Theory]
    [InlineData(MelScale.Slaney)]
    [InlineData(MelScale.Htk)]
    public void Mel_and_hz_are_inverse(MelScale scale)
    {
        foreach (double hz in new[] { 0.0, 55, 440, 999, 1000, 1001, 4000, 7999, 22050 })
            Assert.Equal(hz, MelFilterBank.MelToHz(MelFilterBank.HzToMel(hz, scale), scale), 6);
    }

    [Fact]
    public void Known_points_of_each_scale()
    {
        Assert.Equal(15.0, MelFilterBank.HzToMel(1000, MelScale.Slaney), 9);      // the linear/log break
        Assert.Equal(1000.0, MelFilterBank.HzToMel(1000, MelScale.Htk), 0);       // HTK is ~1000 mel at 1 kHz by design
    }

    [Theory]
    [InlineData(MelScale.Slaney)]
    [InlineData(MelScale.Htk)]
    public void Filters_are_nonnegative_triangles_that_cover_the_band(MelScale scale)
    {
        var options = new LogMelOptions { Scale = scale };
        float[][] filters = MelFilterBank.Create(options);
        Assert.Equal(options.MelBins, filters.Length);
        int previousPeak = -1;
        foreach (float[] filter in filters)
        {
            Assert.All(filter, w => Assert.True(w >= 0));
            int peak = Array.IndexOf(filter, filter.Max());
            Assert.True(peak >= previousPeak, "filter centres must rise with the band index");
            previousPeak = peak;
            // Unimodal: non-decreasing up to the peak, non-increasing after it.
            for (int k = 1; k <= peak; k++) Assert.True(filter[k] >= filter[k - 1]);
            for (int k = peak + 1; k < filter.Length; k++) Assert.True(filter[k] <= filter[k - 1]);
        }
        // Every bin between the first and last centre is seen by some filter.
        int first = Array.IndexOf(filters[0], filters[0].Max()), last = Array.IndexOf(filters[^1], filters[^1].Max());
        for (int k = first; k <= last; k++)
            Assert.True(filters.Any(f => f[k] > 0), $"bin {k} is covered by no filter");
    }
}
