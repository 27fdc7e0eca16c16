using System.Text.Json;
using PLDistill.Audio.Data;
using PLDistill.Audio.Formats;
using PLDistill.Distillation.Data.Npy;
using PLDistill.Distillation.Data.TextTeacher;
using PLDistill.Distillation.Slu;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Slu;

/// <summary>
/// A tiny intent corpus of real WAV tones: intent "low" is a tone under 400 Hz, "high" one over 1.5 kHz. Seen phrasings
/// are some pitches, unseen phrasings other pitches of the same bands, so a representation that keeps pitch transfers to
/// the unseen ones. Hand-written text outputs make the text side's features the intent itself.
/// </summary>
public sealed class SluEvaluationTests : IDisposable
{
    private const int SampleRate = 16_000, TextWidth = 4;
    private readonly string root = Directory.CreateTempSubdirectory("pld-slu-").FullName;

    public SluEvaluationTests()
    {
        var lines = new List<string>();
        var textLines = new List<string> { $$"""{"format": "pldistill-text-outputs", "version": 1, "width": {{TextWidth}}}""" };
        Directory.CreateDirectory(Path.Combine(root, "wav"));
        Directory.CreateDirectory(Path.Combine(root, "text", "features"));
        int n = 0;
        void Add(string split, string intent, string phrasing, double hertz, int voice)
        {
            string id = $"u{n++:000}";
            WriteTone(Path.Combine(root, "wav", id + ".wav"), hertz * (1 + 0.01 * voice), 0.6);
            lines.Add(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["id"] = id, ["wav"] = $"wav/{id}.wav", ["text"] = $"{intent} {hertz}", ["voice"] = $"v{voice}", ["rate"] = 150, ["pitch"] = 50,
                ["speaker"] = $"{split}-voice-{voice}", ["split"] = split, ["seconds"] = 0.6, ["intent"] = intent, ["phrasing"] = phrasing,
            }));
            var features = new float[2 * TextWidth];
            features[intent == "low" ? 0 : 1] = 1;
            features[TextWidth + 2] = (float)(hertz / 1000);
            NpyWriter.WriteFloat32(Path.Combine(root, "text", "features", id + ".npy"), features, [2, TextWidth]);
            textLines.Add(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["id"] = id, ["text"] = $"{intent} {hertz}", ["tokens"] = new[] { intent, "hz" }, ["features"] = $"features/{id}.npy",
            }));
        }
        double[] seenLow = [200, 260, 320], seenHigh = [1600, 1800, 2000], unseenLow = [230, 290], unseenHigh = [1700, 1900];
        foreach (var (split, voices) in new[] { ("train", new[] { 0, 1, 2 }), ("valid", new[] { 3 }), ("test", new[] { 4 }) })
            foreach (int voice in voices)
            {
                foreach (double hz in seenLow) Add(split, "low", "seen", hz, voice);
                foreach (double hz in seenHigh) Add(split, "high", "seen", hz, voice);
            }
        foreach (double hz in unseenLow) Add("test", "low", "unseen", hz, 4);
        foreach (double hz in unseenHigh) Add("test", "high", "unseen", hz, 4);
        File.WriteAllLines(Path.Combine(root, "manifest.jsonl"), lines);
        File.WriteAllLines(Path.Combine(root, "text", "manifest.jsonl"), textLines);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static void WriteTone(string path, double hertz, double seconds)
    {
        var samples = new float[(int)(seconds * SampleRate)];
        for (int i = 0; i < samples.Length; i++)
            samples[i] = (float)(0.3 * Math.Sin(2 * Math.PI * hertz * i / SampleRate));
        using var writer = WavWriter.Create(path, new PcmFormat(SampleRate, 1, SampleEncoding.Int16));
        writer.WriteFrames(samples);
    }

    [Fact]
    public void The_dataset_keeps_unseen_phrasings_out_of_training_and_labels_by_intent_order()
    {
        var data = SluDataset.Build(IntentCorpus.Load(root), new LogMelOptions());

        Assert.Equal(["high", "low"], data.Corpus.Intents);
        Assert.Equal((18, 6, 6, 4), (data.Train.Count, data.Valid.Count, data.TestSeen.Count, data.TestUnseen.Count));
        var unseenIds = data.TestUnseen.Select(c => c.Features.Id).ToHashSet();
        Assert.DoesNotContain(data.Train, c => unseenIds.Contains(c.Features.Id));
        Assert.Equal([1, 1, 0, 0], data.TestUnseen.Select(c => c.Intent));      // low, low, high, high
        Assert.All(data.Train, c => Assert.InRange(c.Features.Frames, 58, 61)); // 0.6 s at a 10 ms hop
    }

    [Fact]
    public void A_student_that_hears_pitch_classifies_held_out_voices_and_unseen_pitches_and_the_text_side_is_scored_too()
    {
        var data = SluDataset.Build(IntentCorpus.Load(root), new LogMelOptions());
        manual_seed(2);
        using var model = new AudioLanguageModel(LalmConfig.Student);
        var (mean, std) = data.TrainStatistics();
        model.Encoder.SetNormalization(tensor(mean), tensor(std));

        var result = SluEvaluation.Evaluate(model, data, new LinearProbeOptions { Steps = 300, CheckEvery = 20, Seed = 1 }, CPU,
                                            TextTeacherOutputs.Open(Path.Combine(root, "text")));

        Assert.Equal(2, result.Intents);
        Assert.Equal(0.5, result.Chance);
        Assert.Equal((18, 6, 6, 4), (result.TrainCount, result.ValidCount, result.TestSeenCount, result.TestUnseenCount));
        Assert.Equal(1.0, result.TrainAccuracy);
        Assert.Equal(1.0, result.TestSeenAccuracy);
        Assert.Equal(1.0, result.TestUnseenAccuracy);
        Assert.Equal(1.0, result.TextTestUnseenAccuracy);
    }

    [Fact]
    public void Without_text_outputs_the_text_side_is_not_scored()
    {
        var data = SluDataset.Build(IntentCorpus.Load(root), new LogMelOptions());
        manual_seed(2);
        using var model = new AudioLanguageModel(LalmConfig.Student);

        var result = SluEvaluation.Evaluate(model, data, new LinearProbeOptions { Steps = 20, CheckEvery = 10 });

        Assert.Null(result.TextTestSeenAccuracy);
        Assert.Null(result.TextTestUnseenAccuracy);
        Assert.InRange(result.TestUnseenAccuracy, 0.0, 1.0);
    }
}
