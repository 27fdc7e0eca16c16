namespace PLDistill.Distillation.Slu;

/// <summary>
/// Intent accuracy of one speech student (a linear probe on its pooled embeddings), and where text-teacher outputs were
/// given, of the same probe on the text teacher's pooled features: the knowledge there was to transfer.
/// </summary>
public sealed record SluResult(
    int Intents,
    int TrainCount, int ValidCount, int TestSeenCount, int TestUnseenCount,
    double TrainAccuracy, double ValidAccuracy, double TestSeenAccuracy, double TestUnseenAccuracy,
    double? TextTestSeenAccuracy, double? TextTestUnseenAccuracy)
{
    /// <summary>Accuracy of always guessing one intent when intents are balanced.</summary>
    public double Chance => 1.0 / Intents;
}
