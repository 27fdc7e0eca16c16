namespace PLDistill.Audio.Tests.Resampling;

/// <summary>Analytic test signals and the measurements the quality tests make on them.</summary>
internal static class ToneAnalysis
{
    /// <summary>A sine of <paramref name="frequency"/> Hz computed in double, then rounded to float.</summary>
    public static float[] Sine(double frequency, int sampleRate, int length, double amplitude = 0.5, double phase = 0.3)
    {
        var samples = new float[length];
        for (int n = 0; n < length; n++)
            samples[n] = (float)(amplitude * Math.Sin(2 * Math.PI * frequency * n / sampleRate + phase));
        return samples;
    }

    /// <summary>
    /// Least-squares fit of a·cos + b·sin at <paramref name="frequency"/> over <paramref name="region"/>; returns the
    /// tone's amplitude and the RMS of what the tone does not explain (aliases, images, noise).
    /// </summary>
    public static (double Amplitude, double ResidualRms) FitTone(ReadOnlySpan<float> signal, double frequency, int sampleRate)
    {
        double omega = 2 * Math.PI * frequency / sampleRate;
        double cc = 0, ss = 0, cs = 0, yc = 0, ys = 0;
        for (int n = 0; n < signal.Length; n++)
        {
            double c = Math.Cos(omega * n), s = Math.Sin(omega * n);
            cc += c * c;
            ss += s * s;
            cs += c * s;
            yc += signal[n] * c;
            ys += signal[n] * s;
        }
        double det = cc * ss - cs * cs;
        double a = (yc * ss - ys * cs) / det;
        double b = (ys * cc - yc * cs) / det;

        double residual = 0;
        for (int n = 0; n < signal.Length; n++)
        {
            double e = signal[n] - (a * Math.Cos(omega * n) + b * Math.Sin(omega * n));
            residual += e * e;
        }
        return (Math.Sqrt(a * a + b * b), Math.Sqrt(residual / signal.Length));
    }

    /// <summary>Root mean square of <paramref name="signal"/>.</summary>
    public static double Rms(ReadOnlySpan<float> signal)
    {
        double sum = 0;
        foreach (float x in signal)
            sum += (double)x * x;
        return Math.Sqrt(sum / signal.Length);
    }

    /// <summary><paramref name="ratio"/> in dB (20 log10).</summary>
    public static double Db(double ratio) => 20 * Math.Log10(ratio);

    /// <summary>Seeded white noise in [-0.5, 0.5).</summary>
    public static float[] Noise(int length, int seed)
    {
        var random = new Random(seed);
        var samples = new float[length];
        for (int n = 0; n < length; n++)
            samples[n] = (float)(random.NextDouble() - 0.5);
        return samples;
    }
}
