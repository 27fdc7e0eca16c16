namespace PLDistill.Distillation.Losses;

/// <summary>
/// How far AwCKA's time-step weights are from plain CKA's uniform ones, averaged over windows. Per window of n steps with
/// weights p (Σ p = 1): the effective share of steps exp(H(p)) / n (1 for uniform, 1/n for one step), the weight on its
/// top tenth of steps (0.1 for uniform), and the largest weight as a multiple of 1/n.
/// </summary>
/// <param name="Windows">Windows profiled.</param>
/// <param name="EffectiveShare">Mean exp(H(p)) / n.</param>
/// <param name="TopTenthMass">Mean weight on the ⌈n/10⌉ heaviest steps.</param>
/// <param name="PeakRatio">Mean of n · max p.</param>
public sealed record AttentionWeightProfile(int Windows, double EffectiveShare, double TopTenthMass, double PeakRatio)
{
    /// <summary>The profile of <paramref name="windows"/>, each a window's weights (renormalised here; non-negative).</summary>
    /// <exception cref="ArgumentException">There is no window, or one is empty, negative, non-finite or sums to zero.</exception>
    public static AttentionWeightProfile Of(IEnumerable<float[]> windows)
    {
        double effective = 0, top = 0, peak = 0;
        int count = 0;
        foreach (var weights in windows)
        {
            double sum = weights.Sum(w => (double)w);
            if (weights.Length == 0 || weights.Any(w => !float.IsFinite(w) || w < 0) || !(sum > 0))
                throw new ArgumentException($"window {count} is not a set of non-negative weights with a positive sum");
            var p = weights.Select(w => w / sum).ToArray();
            double entropy = -p.Where(v => v > 0).Sum(v => v * Math.Log(v));
            effective += Math.Exp(entropy) / p.Length;
            top += p.OrderDescending().Take((p.Length + 9) / 10).Sum();
            peak += p.Max() * p.Length;
            count++;
        }
        if (count == 0)
            throw new ArgumentException("no windows to profile");
        return new AttentionWeightProfile(count, effective / count, top / count, peak / count);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Windows} windows: effective steps {EffectiveShare:P0} of a window (uniform: 100 %), top tenth of steps {TopTenthMass:P0} of the weight (uniform: 10 %), peak {PeakRatio:F1}x uniform";
}
