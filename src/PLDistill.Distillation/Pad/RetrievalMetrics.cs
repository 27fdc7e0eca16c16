namespace PLDistill.Distillation.Pad;

/// <summary>
/// Speech → text retrieval over N pairs: the fraction of queries whose own text ranks first (<see cref="RecallAt1"/>) or in
/// the top five (<see cref="RecallAt5"/>), and the median rank of the own text (1 = best). Chance is 1/N and 5/N.
/// </summary>
public sealed record RetrievalMetrics(int Count, double RecallAt1, double RecallAt5, double MedianRank)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"R@1 {RecallAt1:P1}, R@5 {RecallAt5:P1}, median rank {MedianRank:G4} of {Count} (chance R@1 {1.0 / Count:P1}, R@5 {Math.Min(1.0, 5.0 / Count):P1})";
}
