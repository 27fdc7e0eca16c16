using System.Text.Json;
using PLDistill.Audio.Data;
using PLDistill.Audio.Formats;

namespace PLDistill.Audio.Tests.Data;

/// <summary>Intent manifests written here beside real (silent) WAV files: labels are read, leaks and orphans refused.</summary>
public sealed class IntentCorpusTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("pld-intents-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string Write(params (string Id, string Split, string? Intent, string? Phrasing)[] lines)
    {
        Directory.CreateDirectory(Path.Combine(root, "wav"));
        var text = new List<string>();
        foreach (var (id, split, intent, phrasing) in lines)
        {
            using (var writer = WavWriter.Create(Path.Combine(root, "wav", id + ".wav"), new PcmFormat(16_000, 1, SampleEncoding.Int16)))
                writer.WriteFrames(new float[1600]);
            var fields = new Dictionary<string, object>
            {
                ["id"] = id, ["wav"] = $"wav/{id}.wav", ["text"] = $"command {id}", ["voice"] = "v", ["rate"] = 150, ["pitch"] = 50,
                ["speaker"] = $"voice-of-{split}", ["split"] = split, ["seconds"] = 0.1,
            };
            if (intent is not null)
                fields["intent"] = intent;
            if (phrasing is not null)
                fields["phrasing"] = phrasing;
            text.Add(JsonSerializer.Serialize(fields));
        }
        File.WriteAllLines(Path.Combine(root, "manifest.jsonl"), text);
        return root;
    }

    [Fact]
    public void Reads_intents_and_phrasings_and_indexes_intents_in_ordinal_order()
    {
        var corpus = IntentCorpus.Load(Write(("a", "train", "war", "seen"), ("b", "train", "money", "seen"), ("c", "valid", "war", "seen"),
                                             ("d", "test", "money", "seen"), ("e", "test", "war", "unseen")));

        Assert.Equal(["money", "war"], corpus.Intents);
        Assert.Equal(5, corpus.Paired.Utterances.Count);
        Assert.Equal(["a", "b"], corpus.In(PairedSplit.Train, Phrasing.Seen).Select(u => u.Utterance.Id));
        Assert.Equal(["d"], corpus.In(PairedSplit.Test, Phrasing.Seen).Select(u => u.Utterance.Id));
        var unseen = Assert.Single(corpus.In(PairedSplit.Test, Phrasing.Unseen));
        Assert.Equal(("e", "war"), (unseen.Utterance.Id, unseen.Intent));
        Assert.Empty(corpus.In(PairedSplit.Train, Phrasing.Unseen));
    }

    [Fact]
    public void A_line_without_its_intent_is_a_typed_error_naming_the_line()
    {
        Write(("a", "train", "war", "seen"), ("b", "train", null, "seen"));
        var error = Assert.Throws<PairedCorpusException>(() => IntentCorpus.Load(root));
        Assert.Equal(PairedCorpusProblem.MissingField, error.Problem);
        Assert.Equal(2, error.LineNumber);
        Assert.Contains("'intent'", error.Message);
    }

    [Fact]
    public void An_unknown_phrasing_is_refused()
    {
        Write(("a", "train", "war", "seen"), ("b", "train", "money", "sometimes"));
        var error = Assert.Throws<PairedCorpusException>(() => IntentCorpus.Load(root));
        Assert.Equal(2, error.LineNumber);
        Assert.Contains("'sometimes'", error.Message);
    }

    [Theory]
    [InlineData("train")]
    [InlineData("valid")]
    public void An_unseen_phrasing_outside_the_test_split_is_refused_as_a_leak(string split)
    {
        Write(("a", "train", "war", "seen"), ("b", "train", "money", "seen"), ("c", split, "money", "unseen"));
        var error = Assert.Throws<PairedCorpusException>(() => IntentCorpus.Load(root));
        Assert.Equal(3, error.LineNumber);
        Assert.Contains("test-only", error.Message);
    }

    [Fact]
    public void An_intent_without_training_utterances_is_refused()
    {
        Write(("a", "train", "war", "seen"), ("b", "train", "money", "seen"), ("c", "test", "love", "seen"));
        var error = Assert.Throws<PairedCorpusException>(() => IntentCorpus.Load(root));
        Assert.Contains("intent 'love'", error.Message);
        Assert.Contains("no utterance in the train split", error.Message);
    }

    [Fact]
    public void A_single_trained_intent_is_not_a_classification_task()
    {
        Write(("a", "train", "war", "seen"), ("b", "test", "war", "unseen"));
        var error = Assert.Throws<PairedCorpusException>(() => IntentCorpus.Load(root));
        Assert.Contains("at least 2", error.Message);
    }
}
