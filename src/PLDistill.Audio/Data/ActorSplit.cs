namespace PLDistill.Audio.Data;

/// <summary>
/// A speaker-independent split: disjoint sets of actors for training and for evaluation.
/// No actor may appear on both sides; construction enforces it.
/// </summary>
public sealed class ActorSplit
{
    /// <summary>The project's standard split: train on actors 1–16, select and report on actors 17–20.</summary>
    public static readonly ActorSplit Default = new(Enumerable.Range(1, 16), Enumerable.Range(17, 4));

    /// <summary>Creates a split; throws <see cref="ArgumentException"/> when the sides overlap or one is empty.</summary>
    public ActorSplit(IEnumerable<int> trainActors, IEnumerable<int> evaluationActors)
    {
        TrainActors = trainActors.Distinct().Order().ToArray();
        EvaluationActors = evaluationActors.Distinct().Order().ToArray();
        if (TrainActors.Count == 0 || EvaluationActors.Count == 0)
            throw new ArgumentException("both sides of a split need at least one actor");
        if (TrainActors.Concat(EvaluationActors).Any(a => a is < 1 or > 24))
            throw new ArgumentOutOfRangeException(nameof(trainActors), "actors are numbered 1..24");
        var shared = TrainActors.Intersect(EvaluationActors).ToArray();
        if (shared.Length > 0)
            throw new ArgumentException($"actors {string.Join(", ", shared)} are on both sides: the split would not be speaker independent");
    }

    /// <summary>Actors whose clips train the model.</summary>
    public IReadOnlyList<int> TrainActors { get; }

    /// <summary>Actors whose clips select and evaluate it.</summary>
    public IReadOnlyList<int> EvaluationActors { get; }

    /// <summary>Clips of the training actors.</summary>
    public IReadOnlyList<RavdessClip> Train(IEnumerable<RavdessClip> clips) => clips.Where(c => TrainActors.Contains(c.Actor)).ToArray();

    /// <summary>Clips of the evaluation actors.</summary>
    public IReadOnlyList<RavdessClip> Evaluation(IEnumerable<RavdessClip> clips) => clips.Where(c => EvaluationActors.Contains(c.Actor)).ToArray();

    /// <summary>
    /// k folds by actor, in actor order: fold i (1-based) evaluates on the i-th contiguous block of
    /// <paramref name="actors"/> and trains on the rest. With actors 1–20 and k = 5, fold 1 holds out actors 1–4 and
    /// fold 5 actors 17–20, the <see cref="Default"/> split. Blocks differ in size by at most one actor.
    /// </summary>
    public static IReadOnlyList<ActorSplit> KFold(int k, IEnumerable<int> actors)
    {
        int[] all = actors.Distinct().Order().ToArray();
        if (k < 2 || k > all.Length)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"need 2 <= k <= {all.Length} (the number of actors)");
        var folds = new List<ActorSplit>();
        for (int fold = 0; fold < k; fold++)
        {
            var held = all[BlockStart(fold, k, all.Length)..BlockStart(fold + 1, k, all.Length)];
            folds.Add(new ActorSplit(all.Except(held), held));
        }
        return folds;
    }

    /// <summary>
    /// Fold <paramref name="fold"/> (1-based) of <paramref name="k"/> over <paramref name="actors"/>, as
    /// <see cref="KFold"/> numbers them; throws <see cref="ArgumentOutOfRangeException"/> naming the range.
    /// </summary>
    public static ActorSplit Fold(int fold, int k, IEnumerable<int> actors)
    {
        var folds = KFold(k, actors);
        if (fold < 1 || fold > k)
            throw new ArgumentOutOfRangeException(nameof(fold), fold, $"fold must be between 1 and {k}");
        return folds[fold - 1];
    }

    private static int BlockStart(int fold, int k, int count) => (int)Math.Round((double)fold * count / k);

    /// <inheritdoc />
    public override string ToString() => $"train actors {Ranges(TrainActors)}, evaluate on {Ranges(EvaluationActors)}";

    private static string Ranges(IReadOnlyList<int> actors) =>
        actors.Count > 0 && actors[^1] - actors[0] == actors.Count - 1 ? $"{actors[0]:00}-{actors[^1]:00}" : string.Join(",", actors.Select(a => a.ToString("00", System.Globalization.CultureInfo.InvariantCulture)));
}
