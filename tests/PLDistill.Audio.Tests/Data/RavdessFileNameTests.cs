using PLDistill.Audio.Data;

namespace PLDistill.Audio.Tests.Data;

public sealed class RavdessFileNameTests
{
    [Fact]
    public void Every_field_of_a_valid_name_is_read()
    {
        RavdessClip clip = RavdessFileName.Parse("/data/Actor_17/03-01-05-02-01-02-17.wav");
        Assert.Equal(Emotion.Angry, clip.Emotion);
        Assert.True(clip.StrongIntensity);
        Assert.Equal(1, clip.Statement);
        Assert.Equal("Kids are talking by the door", clip.Sentence);
        Assert.Equal(2, clip.Repetition);
        Assert.Equal(17, clip.Actor);
        Assert.False(clip.IsFemale);
        Assert.True(RavdessFileName.Parse("03-01-01-01-02-01-20.wav").IsFemale);
    }

    [Theory]
    [InlineData("readme.wav", "not named")]
    [InlineData("03-01-05-02-01-02.wav", "not named")]
    [InlineData("03-01-5-02-01-02-17.wav", "not named")]
    [InlineData("01-01-05-02-01-02-17.wav", "modality 01")]
    [InlineData("03-02-05-02-01-02-17.wav", "vocal channel 02")]
    [InlineData("03-01-09-02-01-02-17.wav", "emotion code 09")]
    [InlineData("03-01-00-01-01-02-17.wav", "emotion code 00")]
    [InlineData("03-01-05-03-01-02-17.wav", "intensity 03")]
    [InlineData("03-01-01-02-01-02-17.wav", "neutral has no strong")]
    [InlineData("03-01-05-02-03-02-17.wav", "statement 03")]
    [InlineData("03-01-05-02-01-03-17.wav", "repetition 03")]
    [InlineData("03-01-05-02-01-02-25.wav", "actor 25")]
    public void Invalid_names_are_refused_with_the_reason(string name, string reasonPart)
    {
        Assert.Null(RavdessFileName.TryParse(name, out string? reason));
        Assert.Contains(reasonPart, reason, StringComparison.Ordinal);
        var error = Assert.Throws<FormatException>(() => RavdessFileName.Parse(name));
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }
}
