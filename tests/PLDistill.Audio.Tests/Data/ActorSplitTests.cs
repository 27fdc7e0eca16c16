using PLDistill.Audio.Data;

namespace PLDistill.Audio.Tests.Data;

public sealed class ActorSplitTests
{
    [Fact]
    public void Default_split_trains_on_1_to_16_and_evaluates_on_17_to_20()
    {
        Assert.Equal(Enumerable.Range(1, 16), ActorSplit.Default.TrainActors);
        Assert.Equal(Enumerable.Range(17, 4), ActorSplit.Default.EvaluationActors);
    }

    [Fact]
    public void Overlapping_sides_are_refused_naming_the_actors()
    {
        var error = Assert.Throws<ArgumentException>(() => new ActorSplit([1, 2, 3], [3, 4]));
        Assert.Contains("actors 3 are on both sides", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Five_folds_by_actor_hold_out_every_actor_exactly_once_and_never_leak()
    {
        var folds = ActorSplit.KFold(5, Enumerable.Range(1, 20));
        Assert.Equal(5, folds.Count);
        Assert.Equal(Enumerable.Range(1, 20), folds.SelectMany(f => f.EvaluationActors).Order());
        Assert.All(folds, f => Assert.Empty(f.TrainActors.Intersect(f.EvaluationActors)));
        Assert.All(folds, f => Assert.Equal(20, f.TrainActors.Count + f.EvaluationActors.Count));
        Assert.Equal([1, 2, 3, 4], folds[0].EvaluationActors);
        Assert.Equal(ActorSplit.Default.EvaluationActors, folds[4].EvaluationActors);
    }

    [Theory]
    [InlineData(3, new[] { 9, 10, 11, 12 })]
    [InlineData(5, new[] { 17, 18, 19, 20 })]
    public void A_fold_is_numbered_from_one_in_actor_order(int fold, int[] held)
    {
        var split = ActorSplit.Fold(fold, 5, Enumerable.Range(1, 20));
        Assert.Equal(held, split.EvaluationActors);
        Assert.Equal(Enumerable.Range(1, 20).Except(held), split.TrainActors);
    }

    [Fact]
    public void Uneven_folds_differ_by_at_most_one_actor()
    {
        var sizes = ActorSplit.KFold(3, Enumerable.Range(1, 10)).Select(f => f.EvaluationActors.Count).ToArray();
        Assert.Equal(10, sizes.Sum());
        Assert.True(sizes.Max() - sizes.Min() <= 1, string.Join(",", sizes));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    public void A_fold_outside_one_to_k_is_refused_naming_the_range(int fold)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ActorSplit.Fold(fold, 5, Enumerable.Range(1, 20)));
        Assert.Contains("between 1 and 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Splitting_clips_keeps_each_clip_on_its_actors_side()
    {
        var clips = Enumerable.Range(1, 20).Select(a => RavdessFileName.Parse($"03-01-03-01-01-01-{a:00}.wav")).ToArray();
        var train = ActorSplit.Default.Train(clips);
        var evaluation = ActorSplit.Default.Evaluation(clips);
        Assert.Equal(16, train.Count);
        Assert.Equal(4, evaluation.Count);
        Assert.All(evaluation, c => Assert.InRange(c.Actor, 17, 20));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(21)]
    public void Impossible_fold_counts_are_refused(int k) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ActorSplit.KFold(k, Enumerable.Range(1, 20)));
}
