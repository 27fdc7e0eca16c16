namespace PLDistill.Models.Features;

/// <summary>Triangular mel filters over one-sided FFT bins, computed on the host once.</summary>
public static class MelFilterBank
{
    /// <summary>Returns weights as [melBins][frequencyBins].</summary>
    public static float[][] Create(LogMelOptions options)
    {
        options.Validate();
        int bins = options.FrequencyBins, mels = options.MelBins;
        double top = options.MaxFrequency ?? options.SampleRate / 2.0;

        // mels + 2 edges equally spaced on the mel axis: filter m rises from edge m to m+1 and falls to m+2.
        double lowMel = HzToMel(options.MinFrequency, options.Scale), highMel = HzToMel(top, options.Scale);
        var edgesHz = new double[mels + 2];
        for (int i = 0; i < edgesHz.Length; i++)
            edgesHz[i] = MelToHz(lowMel + (highMel - lowMel) * i / (mels + 1), options.Scale);

        var weights = new float[mels][];
        for (int m = 0; m < mels; m++)
        {
            weights[m] = new float[bins];
            double left = edgesHz[m], centre = edgesHz[m + 1], right = edgesHz[m + 2];
            // Slaney normalisation gives every filter the same area, so wide high bands do not dominate.
            double scale = options.Scale == MelScale.Slaney ? 2.0 / (right - left) : 1.0;
            for (int k = 0; k < bins; k++)
            {
                double hz = (double)k * options.SampleRate / options.FftSize;
                double rising = (hz - left) / (centre - left), falling = (right - hz) / (right - centre);
                weights[m][k] = (float)(scale * Math.Max(0.0, Math.Min(rising, falling)));
            }
        }
        return weights;
    }

    /// <summary>Hz to mel on the given scale.</summary>
    public static double HzToMel(double hz, MelScale scale)
    {
        if (scale == MelScale.Htk)
            return 2595.0 * Math.Log10(1.0 + hz / 700.0);
        const double linearStep = 200.0 / 3.0, breakHz = 1000.0, breakMel = breakHz / linearStep;
        double logStep = Math.Log(6.4) / 27.0;
        return hz < breakHz ? hz / linearStep : breakMel + Math.Log(hz / breakHz) / logStep;
    }

    /// <summary>Mel to Hz on the given scale.</summary>
    public static double MelToHz(double mel, MelScale scale)
    {
        if (scale == MelScale.Htk)
            return 700.0 * (Math.Pow(10.0, mel / 2595.0) - 1.0);
        const double linearStep = 200.0 / 3.0, breakHz = 1000.0, breakMel = breakHz / linearStep;
        double logStep = Math.Log(6.4) / 27.0;
        return mel < breakMel ? mel * linearStep : breakHz * Math.Exp(logStep * (mel - breakMel));
    }
}
