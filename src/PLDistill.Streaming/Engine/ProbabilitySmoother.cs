namespace PLDistill.Streaming.Engine;

/// <summary>
/// Exponential moving average of class probabilities across hops: s ← w·p + (1 − w)·s, starting at the first p.
/// A hop whose probabilities are not all finite (a model fault) is left out: folded in, one NaN would make every later
/// average NaN.
/// </summary>
internal sealed class ProbabilitySmoother(double weight)
{
    private float[]? smoothed;

    /// <summary>
    /// Folds in one hop's probabilities; returns the smoothed ones (a new array). A non-finite hop returns the average so
    /// far unchanged, or, before any finite hop, a copy of its own probabilities (not kept: the next finite hop starts the average).
    /// </summary>
    public float[] Next(IReadOnlyList<float> probabilities)
    {
        if (!AllFinite(probabilities))
            return (smoothed ?? probabilities).ToArray();
        if (smoothed is null)
            smoothed = probabilities.ToArray();
        else
            for (int c = 0; c < smoothed.Length; c++)
                smoothed[c] = (float)(weight * probabilities[c] + (1 - weight) * smoothed[c]);
        return smoothed.ToArray();
    }

    /// <summary>
    /// Index of the largest finite value of <paramref name="smoothed"/>, or -1 when none is finite (only the smoothed
    /// probabilities of a stream whose every hop so far was non-finite).
    /// </summary>
    public static int MostProbable(IReadOnlyList<float> smoothed)
    {
        int best = -1;
        for (int c = 0; c < smoothed.Count; c++)
        {
            if (float.IsFinite(smoothed[c]) && (best < 0 || smoothed[c] > smoothed[best]))
                best = c;
        }
        return best;
    }

    private static bool AllFinite(IReadOnlyList<float> probabilities)
    {
        for (int c = 0; c < probabilities.Count; c++)
        {
            if (!float.IsFinite(probabilities[c]))
                return false;
        }
        return true;
    }
}
