using PLDistill.Audio.Data;
using PLDistill.Distillation.Data;
using PLDistill.Distillation.Pad;
using PLDistill.Models.Features;

namespace PLDistill.Distillation.Slu;

/// <summary>
/// The intent corpus as the SLU evaluation uses it, log-mel features computed once: the classifier trains on seen
/// phrasings in training voices; valid holds seen phrasings in other voices; the two test sets are seen phrasings and
/// unseen phrasings, both in voices never heard in training.
/// </summary>
public sealed class SluDataset
{
    private SluDataset(IntentCorpus corpus, LogMelOptions features, IReadOnlyList<IntentClip> train, IReadOnlyList<IntentClip> valid,
                       IReadOnlyList<IntentClip> testSeen, IReadOnlyList<IntentClip> testUnseen)
    {
        Corpus = corpus;
        Features = features;
        Train = train;
        Valid = valid;
        TestSeen = testSeen;
        TestUnseen = testUnseen;
    }

    /// <summary>The corpus the clips come from.</summary>
    public IntentCorpus Corpus { get; }

    /// <summary>The log-mel settings of the clips.</summary>
    public LogMelOptions Features { get; }

    /// <summary>Seen phrasings, training voices.</summary>
    public IReadOnlyList<IntentClip> Train { get; }

    /// <summary>Seen phrasings, validation voices.</summary>
    public IReadOnlyList<IntentClip> Valid { get; }

    /// <summary>Seen phrasings, test voices.</summary>
    public IReadOnlyList<IntentClip> TestSeen { get; }

    /// <summary>Unseen phrasings (no word in common with any training phrasing), test voices.</summary>
    public IReadOnlyList<IntentClip> TestUnseen { get; }

    /// <summary>Computes log-mel features of every clip of <paramref name="corpus"/>.</summary>
    /// <exception cref="ArgumentException">A clip is too short for one frame, or the train split is empty.</exception>
    public static SluDataset Build(IntentCorpus corpus, LogMelOptions features)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(features);
        using var spectrogram = new LogMelSpectrogram(features);
        IReadOnlyList<IntentClip> Clips(PairedSplit split, Phrasing phrasing) =>
            corpus.In(split, phrasing)
                .Select(u => new IntentClip(PadClip.Read(u.Utterance, spectrogram, features.SampleRate), IndexOf(corpus, u.Intent)))
                .ToArray();
        var train = Clips(PairedSplit.Train, Phrasing.Seen);
        if (train.Count == 0)
            throw new ArgumentException($"{corpus.Paired.ManifestPath} has no seen-phrasing utterances in the train split");
        return new SluDataset(corpus, features, train, Clips(PairedSplit.Valid, Phrasing.Seen),
                              Clips(PairedSplit.Test, Phrasing.Seen), Clips(PairedSplit.Test, Phrasing.Unseen));
    }

    /// <summary>Per-band mean and standard deviation of the training clips, for a student that has no normalisation of its own.</summary>
    public (float[] Mean, float[] Std) TrainStatistics() =>
        FeatureBank.Statistics(Train.Select(c => (c.Features.Mel, c.Features.Frames)), Features.MelBins);

    private static int IndexOf(IntentCorpus corpus, string intent)
    {
        for (int i = 0; i < corpus.Intents.Count; i++)
            if (string.Equals(corpus.Intents[i], intent, StringComparison.Ordinal))
                return i;
        throw new ArgumentException($"intent '{intent}' is not one of the corpus's trained intents");
    }
}
