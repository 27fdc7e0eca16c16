using PLDistill.Audio.Data;
using PLDistill.Distillation.Data;
using PLDistill.Models.Features;

namespace PLDistill.Distillation.Evaluation;

/// <summary>
/// The clips of a scanned folder that a model can be scored on, and how many were left out and why: a clip whose emotion
/// the label set leaves out (the 4-class view drops calm, fearful, disgust and surprised), or one too short for a single
/// feature frame.
/// </summary>
public sealed class EvaluationClips
{
    private EvaluationClips(IReadOnlyList<FeatureClip> clips, string? skipped)
    {
        Clips = clips;
        Skipped = skipped;
    }

    /// <summary>The clips to score (at least one), in the corpus's order.</summary>
    public IReadOnlyList<FeatureClip> Clips { get; }

    /// <summary>One line saying how many clips were left out and why; null when every clip is scored.</summary>
    public string? Skipped { get; }

    /// <summary>Computes the features of every clip of <paramref name="corpus"/> that can be scored under <paramref name="labels"/>.</summary>
    /// <exception cref="ArgumentException">
    /// No clip is left to score: none is RAVDESS-named, none carries an emotion of <paramref name="labels"/>, or none is
    /// long enough. The one-line message names the folder and why; scoring nothing would report 0 % as if it were a result.
    /// </exception>
    public static EvaluationClips Build(RavdessCorpus corpus, EmotionLabelSet labels, LogMelOptions features)
    {
        if (corpus.Clips.Count == 0)
            throw new ArgumentException($"no RAVDESS-named WAV files under {corpus.Root}"
                                        + (corpus.Skipped.Count > 0 ? $" ({corpus.Skipped.Count} other .wav files, e.g. {corpus.Skipped[0]})" : ""));
        var inLabelSet = corpus.Clips.Where(clip => labels.IndexOf(clip.Emotion) is not null).ToList();
        var clips = FeatureBank.Build(inLabelSet, labels, features);

        var reasons = new List<string>();
        int outside = corpus.Clips.Count - inLabelSet.Count;
        if (outside > 0)
        {
            var emotions = corpus.Clips.Select(clip => clip.Emotion).Where(emotion => labels.IndexOf(emotion) is null)
                .Distinct().Order().Select(emotion => emotion.ToString().ToLowerInvariant());
            reasons.Add($"{outside} with an emotion outside label set {labels.Name} ({string.Join(", ", emotions)})");
        }
        int tooShort = inLabelSet.Count - clips.Count;
        if (tooShort > 0)
            reasons.Add($"{tooShort} shorter than one {features.WindowMilliseconds} ms feature frame");

        if (clips.Count == 0)
            throw new ArgumentException($"no clip to score under {corpus.Root}: of {corpus.Clips.Count} RAVDESS-named clips, {string.Join("; ", reasons)}");
        var parts = new List<string>();
        if (reasons.Count > 0)
            parts.Add($"left out {corpus.Clips.Count - clips.Count} of {corpus.Clips.Count} RAVDESS clips under {corpus.Root}: {string.Join("; ", reasons)}");
        if (corpus.SkippedSummary is { } unnamed)
            parts.Add(unnamed);
        return new EvaluationClips(clips, parts.Count == 0 ? null : string.Join("; ", parts));
    }
}
