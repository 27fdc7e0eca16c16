using PLDistill.Audio.Data;
using PLDistill.Cli.Commands;

namespace PLDistill.Cli.Tests;

public sealed class DemoClipsTests
{
    // Actors 17-20 as RAVDESS has them: per actor 4 neutral clips and 8 of every other emotion.
    private static readonly RavdessClip[] HeldOut =
        [.. from actor in Enumerable.Range(17, 4)
            from emotion in Enum.GetValues<Emotion>()
            from take in Enumerable.Range(0, emotion == Emotion.Neutral ? 4 : 8)
            select new RavdessClip($"03-01-{(int)emotion:00}-{take / 4 + 1:00}-{take % 2 + 1:00}-{take / 2 % 2 + 1:00}-{actor:00}.wav",
                                   emotion, take >= 4, take % 2 + 1, take / 2 % 2 + 1, actor)];

    [Fact]
    public void A_few_clips_show_as_many_emotions_and_all_clips_show_each_once()
    {
        Assert.Equal(240, HeldOut.Length);

        var few = DemoCommand.SpreadOverEmotions(HeldOut, 8).ToArray();
        var all = DemoCommand.SpreadOverEmotions(HeldOut, 1000).ToArray();

        Assert.Equal(8, few.Select(c => c.Emotion).Distinct().Count());
        Assert.Equal(240, all.Length);
        Assert.Equal(240, all.Select(c => c.Path).Distinct().Count());
        Assert.True(few.Select(c => c.Actor).Distinct().Count() >= 3, "the first clips should come from several actors");
    }
}
