using PLDistill.Audio.Data;
using PLDistill.Audio.Formats;
using PLDistill.Distillation.Evaluation;
using PLDistill.Models.Features;

namespace PLDistill.Distillation.Tests.Evaluation;

public sealed class EvaluationClipsTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("pld-eval-clips-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>Writes a RAVDESS-named clip of actor 17 with <paramref name="emotion"/> and <paramref name="samples"/> samples of a tone.</summary>
    private void Clip(Emotion emotion, int samples, int repetition = 1)
    {
        string folder = Path.Combine(root, "Actor_17");
        Directory.CreateDirectory(folder);
        using var writer = WavWriter.Create(Path.Combine(folder, $"03-01-{(int)emotion:00}-01-01-{repetition:00}-17.wav"), new PcmFormat(16_000, 1, SampleEncoding.Int16));
        writer.WriteFrames(Enumerable.Range(0, samples).Select(n => (float)(0.3 * Math.Sin(2 * Math.PI * 440 * n / 16_000))).ToArray());
    }

    [Fact]
    public void A_folder_whose_clips_the_label_set_leaves_out_is_refused_naming_the_folder_and_why()
    {
        Clip(Emotion.Calm, 8_000);
        Clip(Emotion.Calm, 8_000, repetition: 2);

        var error = Assert.Throws<ArgumentException>(() => EvaluationClips.Build(RavdessCorpus.Scan(root), EmotionLabelSet.Four, new LogMelOptions()));

        Assert.Contains(root, error.Message, StringComparison.Ordinal);
        Assert.Contains("2 with an emotion outside label set ravdess4 (calm)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_folder_of_clips_too_short_for_a_feature_frame_is_refused_naming_the_folder_and_why()
    {
        Clip(Emotion.Happy, 0);     // a valid WAV holding no audio
        Clip(Emotion.Sad, 200);     // shorter than one 25 ms window

        var error = Assert.Throws<ArgumentException>(() => EvaluationClips.Build(RavdessCorpus.Scan(root), EmotionLabelSet.Eight, new LogMelOptions()));

        Assert.Contains(root, error.Message, StringComparison.Ordinal);
        Assert.Contains("2 shorter than one 25 ms feature frame", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Clips_left_out_beside_usable_ones_are_counted_with_their_reasons()
    {
        Clip(Emotion.Neutral, 8_000);
        Clip(Emotion.Calm, 8_000);
        Clip(Emotion.Surprised, 8_000);
        Clip(Emotion.Happy, 0);

        var clips = EvaluationClips.Build(RavdessCorpus.Scan(root), EmotionLabelSet.Four, new LogMelOptions());

        var only = Assert.Single(clips.Clips);
        Assert.Equal(Emotion.Neutral, only.Source.Emotion);
        Assert.Equal($"left out 3 of 4 RAVDESS clips under {root}: 2 with an emotion outside label set ravdess4 (calm, surprised); "
                     + "1 shorter than one 25 ms feature frame", clips.Skipped);
    }

    [Fact]
    public void When_every_clip_is_scored_nothing_is_reported_as_left_out()
    {
        Clip(Emotion.Neutral, 8_000);
        Clip(Emotion.Calm, 8_000);

        var clips = EvaluationClips.Build(RavdessCorpus.Scan(root), EmotionLabelSet.Eight, new LogMelOptions());

        Assert.Equal(2, clips.Clips.Count);
        Assert.Null(clips.Skipped);
    }

    [Fact]
    public void Wav_files_that_are_not_ravdess_named_are_reported_not_dropped_in_silence()
    {
        Clip(Emotion.Angry, 8_000);
        string folder = Path.Combine(root, "Actor_17");
        File.Copy(Path.Combine(folder, "03-01-05-01-01-01-17.wav"), Path.Combine(folder, "angry_take1.wav"));
        File.Copy(Path.Combine(folder, "03-01-05-01-01-01-17.wav"), Path.Combine(folder, "03-02-05-01-01-01-17.wav"));   // a song

        var clips = EvaluationClips.Build(RavdessCorpus.Scan(root), EmotionLabelSet.Eight, new LogMelOptions());

        Assert.Single(clips.Clips);
        Assert.NotNull(clips.Skipped);
        Assert.Contains($"ignored 2 .wav files under {root} that are not RAVDESS-named speech", clips.Skipped, StringComparison.Ordinal);
    }
}
