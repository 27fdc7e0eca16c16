using PLDistill.Audio.Data;

namespace PLDistill.Audio.Tests.Data;

public sealed class EmotionLabelSetTests
{
    [Fact]
    public void Eight_classes_cover_every_emotion_in_code_order()
    {
        Assert.Equal(8, EmotionLabelSet.Eight.Count);
        foreach (Emotion emotion in Enum.GetValues<Emotion>())
            Assert.Equal((int)emotion - 1, EmotionLabelSet.Eight.IndexOf(emotion));
    }

    [Fact]
    public void Four_classes_keep_neutral_happy_sad_angry_and_drop_the_rest()
    {
        var four = EmotionLabelSet.Four;
        Assert.Equal(["neutral", "happy", "sad", "angry"], four.Words);
        Assert.Equal(0, four.IndexOf(Emotion.Neutral));
        Assert.Equal(3, four.IndexOf(Emotion.Angry));
        Assert.Null(four.IndexOf(Emotion.Calm));
        Assert.Null(four.IndexOf(Emotion.Surprised));
    }

    [Theory]
    [InlineData("8", "ravdess8")]
    [InlineData(" ravdess4 ", "ravdess4")]
    [InlineData("4", "ravdess4")]
    public void Parse_accepts_counts_and_names(string text, string name) => Assert.Equal(name, EmotionLabelSet.Parse(text).Name);

    [Theory]
    [InlineData("7")]
    [InlineData("")]
    [InlineData("iemocap")]
    public void Parse_rejects_anything_else_listing_the_choices(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => EmotionLabelSet.Parse(text));
        Assert.Contains("use 8 or 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_emotions_are_refused() =>
        Assert.Throws<ArgumentException>(() => new EmotionLabelSet("bad", [Emotion.Sad, Emotion.Angry, Emotion.Sad]));
}
