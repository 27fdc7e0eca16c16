using PLDistill.Audio.Data;
using PLDistill.Audio.Processing;
using PLDistill.Distillation.Data;
using PLDistill.Distillation.Data.TextTeacher;
using PLDistill.Models.Features;

namespace PLDistill.Distillation.Pad;

/// <summary>
/// The paired corpus as PAD needs it: log-mel features of every split's clips, computed once, and the text teacher's outputs
/// for the same ids.
/// </summary>
public sealed class PadCorpus
{
    private PadCorpus(TextTeacherOutputs text, LogMelOptions features, IReadOnlyList<PadClip>[] splits)
    {
        Text = text;
        Features = features;
        this.splits = splits;
    }

    private readonly IReadOnlyList<PadClip>[] splits;

    /// <summary>The text teacher's features and attention, indexed by utterance id.</summary>
    public TextTeacherOutputs Text { get; }

    /// <summary>The log-mel settings the clips were computed with.</summary>
    public LogMelOptions Features { get; }

    /// <summary>The clips of <paramref name="split"/>, in manifest order.</summary>
    public IReadOnlyList<PadClip> In(PairedSplit split) => splits[(int)split];

    /// <summary>
    /// Pairs <paramref name="corpus"/> with <paramref name="text"/> and computes log-mel features of every clip. Every id of the
    /// corpus must be in the text outputs; they are checked before any audio is read.
    /// </summary>
    /// <exception cref="ArgumentException">An utterance of the corpus has no text outputs (the message names it), or a clip is too short for one frame.</exception>
    public static PadCorpus Build(PairedCorpus corpus, TextTeacherOutputs text, LogMelOptions features, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(features);
        var missing = corpus.Utterances.Where(u => text.IndexOf(u.Id) is null).ToArray();
        if (missing.Length > 0)
            throw new ArgumentException($"utterance '{missing[0].Id}' of {corpus.ManifestPath} has no text-teacher outputs in {text.Manifest}" +
                                        (missing.Length > 1 ? $" ({missing.Length} ids are missing)" : "") +
                                        "; export the text outputs from this corpus");
        using var spectrogram = new LogMelSpectrogram(features);
        var splits = new IReadOnlyList<PadClip>[Enum.GetValues<PairedSplit>().Length];
        int done = 0;
        foreach (var split in Enum.GetValues<PairedSplit>())
        {
            var clips = new List<PadClip>();
            foreach (var utterance in corpus.InSplit(split))
            {
                clips.Add(PadClip.Read(utterance, spectrogram, features.SampleRate));
                progress?.Report(++done);
            }
            splits[(int)split] = clips;
        }
        return new PadCorpus(text, features, splits);
    }

    /// <summary>Per-band mean and standard deviation of the training split's frames, for the encoder's normalisation.</summary>
    public (float[] Mean, float[] Std) TrainStatistics() =>
        FeatureBank.Statistics(In(PairedSplit.Train).Select(c => (c.Mel, c.Frames)), Features.MelBins);
}
