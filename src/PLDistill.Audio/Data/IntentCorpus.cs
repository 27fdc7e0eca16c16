using System.Text.Json;

namespace PLDistill.Audio.Data;

/// <summary>
/// The intent-classification (spoken-language-understanding) corpus written by <c>tools/make-paired-corpus.sh --intents</c>:
/// a <see cref="PairedCorpus"/> whose manifest lines also carry <c>intent</c> and <c>phrasing</c> (<c>seen</c> or
/// <c>unseen</c>). Unseen phrasings may only be in the test split, and each of their intents must have seen training
/// utterances, so a classifier can neither train on them nor face a class it never saw.
/// </summary>
public sealed class IntentCorpus
{
    private IntentCorpus(PairedCorpus paired, IReadOnlyList<IntentUtterance> utterances, IReadOnlyList<string> intents)
    {
        Paired = paired;
        Utterances = utterances;
        Intents = intents;
    }

    /// <summary>The corpus as plain paired speech and text (for text-teacher export and PAD).</summary>
    public PairedCorpus Paired { get; }

    /// <summary>Every utterance, in manifest order.</summary>
    public IReadOnlyList<IntentUtterance> Utterances { get; }

    /// <summary>The intents, sorted ordinally; an intent's class index is its position here.</summary>
    public IReadOnlyList<string> Intents { get; }

    /// <summary>The utterances of <paramref name="split"/> with <paramref name="phrasing"/>, in manifest order.</summary>
    public IReadOnlyList<IntentUtterance> In(PairedSplit split, Phrasing phrasing) =>
        Utterances.Where(u => u.Utterance.Split == split && u.Phrasing == phrasing).ToArray();

    /// <summary>Reads and validates an intent corpus.</summary>
    /// <param name="path">The <c>manifest.jsonl</c> itself, or the corpus folder that holds it.</param>
    /// <exception cref="FileNotFoundException">There is no manifest there.</exception>
    /// <exception cref="PairedCorpusException">A line is malformed or lacks its intent labels, an unseen phrasing is outside the test split, or an intent has no training utterance.</exception>
    public static IntentCorpus Load(string path)
    {
        var utterances = new List<IntentUtterance>();
        var paired = PairedCorpus.Load(path, (utterance, json, at) => utterances.Add(ReadLabels(utterance, json, at)));
        var trained = utterances.Where(u => u.Utterance.Split == PairedSplit.Train).Select(u => u.Intent).ToHashSet(StringComparer.Ordinal);
        if (utterances.FirstOrDefault(u => !trained.Contains(u.Intent)) is { } orphan)
            throw new PairedCorpusException(paired.ManifestPath, 0, PairedCorpusProblem.InvalidField,
                $"intent '{orphan.Intent}' (of '{orphan.Utterance.Id}') has no utterance in the train split");
        if (trained.Count < 2)
            throw new PairedCorpusException(paired.ManifestPath, 0, PairedCorpusProblem.InvalidField,
                $"the train split has {trained.Count} intent(s); classification needs at least 2");
        return new IntentCorpus(paired, utterances, [.. trained.Order(StringComparer.Ordinal)]);
    }

    private static IntentUtterance ReadLabels(PairedUtterance utterance, JsonElement json, PairedCorpus.LineContext at)
    {
        string intent = PairedCorpus.RequiredString(json, "intent", at);
        var phrasing = PairedCorpus.RequiredString(json, "phrasing", at) switch
        {
            "seen" => Phrasing.Seen,
            "unseen" => Phrasing.Unseen,
            var other => throw at.Error(PairedCorpusProblem.InvalidField, $"field 'phrasing' must be 'seen' or 'unseen', got '{other}'"),
        };
        if (phrasing == Phrasing.Unseen && utterance.Split != PairedSplit.Test)
            throw at.Error(PairedCorpusProblem.InvalidField,
                $"'{utterance.Id}' is an unseen phrasing in the {PairedCorpus.ManifestName(utterance.Split)} split: unseen phrasings must be test-only");
        return new IntentUtterance(utterance, intent, phrasing);
    }
}
