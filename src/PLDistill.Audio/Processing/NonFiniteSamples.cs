namespace PLDistill.Audio.Processing;

/// <summary>
/// NaN or infinite samples (a float WAV or FLOAT32 chunk can hold them) taken as silence: left alone, one would spread
/// through the resampler and the features into whole windows of estimates.
/// </summary>
public static class NonFiniteSamples
{
    /// <summary>True when every sample is finite (the usual case: nothing to copy or change).</summary>
    public static bool NoneIn(ReadOnlySpan<float> samples)
    {
        foreach (float sample in samples)
        {
            if (!float.IsFinite(sample))
                return false;
        }
        return true;
    }

    /// <summary>Sets every NaN or infinite sample of <paramref name="samples"/> to 0.</summary>
    public static void ToSilence(Span<float> samples)
    {
        for (int i = 0; i < samples.Length; i++)
        {
            if (!float.IsFinite(samples[i]))
                samples[i] = 0f;
        }
    }
}
