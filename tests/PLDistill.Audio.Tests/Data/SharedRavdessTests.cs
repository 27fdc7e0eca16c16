using PLDistill.Audio.Data;

namespace PLDistill.Audio.Tests.Data;

/// <summary>Checks on the shared RAVDESS copy; skipped, with the reason shown, where ../shared/data is absent.</summary>
public sealed class SharedRavdessTests
{
    private static RavdessCorpus Corpus()
    {
        string? root = RavdessCorpus.FindSharedRoot();
        if (root is null)
            Assert.Skip($"shared RAVDESS data not found ({RavdessCorpus.SharedRelativePath} or ${RavdessCorpus.RootEnvironmentVariable})");
        return RavdessCorpus.Scan(root);
    }

    [Fact]
    public void Holds_actors_1_to_20_with_60_clips_each_and_the_documented_emotion_counts()
    {
        var corpus = Corpus();
        Assert.Empty(corpus.Skipped);
        Assert.Equal(1200, corpus.Clips.Count);
        Assert.Equal(Enumerable.Range(1, 20), corpus.Clips.Select(c => c.Actor).Distinct());
        foreach (var actor in corpus.Clips.GroupBy(c => c.Actor))
        {
            Assert.Equal(60, actor.Count());
            Assert.Equal(4, actor.Count(c => c.Emotion == Emotion.Neutral));
            Assert.All(actor.Where(c => c.Emotion != Emotion.Neutral).GroupBy(c => c.Emotion), g => Assert.Equal(8, g.Count()));
        }
    }

    [Fact]
    public void Default_split_gives_960_training_and_240_evaluation_clips()
    {
        var corpus = Corpus();
        Assert.Equal(960, ActorSplit.Default.Train(corpus.Clips).Count);
        Assert.Equal(240, ActorSplit.Default.Evaluation(corpus.Clips).Count);
        // 4-class view per actor: neutral 4 + happy, sad, angry 8 each = 28.
        Assert.Equal(4 * 28, ActorSplit.Default.Evaluation(corpus.Clips).Count(c => EmotionLabelSet.Four.IndexOf(c.Emotion) is not null));
    }
}
