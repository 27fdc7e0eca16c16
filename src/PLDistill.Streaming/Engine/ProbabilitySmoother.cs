namespace PLDistill.Streaming.Engine;

/// <summary>Exponential moving average of class probabilities across hops: s ← w·p + (1 − w)·s, starting at the first p.</summary>
internal sealed class ProbabilitySmoother(double weight)
{
    private float[]? smoothed;

    /// <summary>Folds in one hop's probabilities; returns the smoothed ones (a new array).</summary>
    public float[] Next(IReadOnlyList<float> probabilities)
    {
        if (smoothed is null)
            smoothed = probabilities.ToArray();
        else
            for (int c = 0; c < smoothed.Length; c++)
                smoothed[c] = (float)(weight * probabilities[c] + (1 - weight) * smoothed[c]);
        return smoothed.ToArray();
    }
}
