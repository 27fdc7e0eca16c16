using System.Text.Json;
using PLDistill.Audio.Formats;
using PLDistill.Distillation.Data.Npy;

namespace PLDistill.Distillation.Tests.Pad;

/// <summary>
/// A temporary paired corpus (16 kHz WAVs of tones, one speaker per utterance) and a matching text-outputs folder written
/// by hand: utterance i has a tone of its own pitch and text features that grow with i, so speech and text are related.
/// Train has four utterances, valid one, test two.
/// </summary>
internal sealed class PairedFolder : IDisposable
{
    public const int Width = 8, Layers = 2, Heads = 2, SampleRate = 16_000;
    public static readonly (string Id, string Split)[] Utterances =
        [("u0", "train"), ("u1", "train"), ("u2", "train"), ("u3", "train"), ("u4", "valid"), ("u5", "test"), ("u6", "test")];

    public PairedFolder(IEnumerable<string>? textIdsLeftOut = null)
    {
        var leftOut = new HashSet<string>(textIdsLeftOut ?? []);
        Directory.CreateDirectory(Path.Combine(Corpus, "wav"));
        Directory.CreateDirectory(Path.Combine(Text, "features"));
        Directory.CreateDirectory(Path.Combine(Text, "attention"));
        var corpusLines = new List<string>();
        var textLines = new List<string>
        {
            $$"""{"format": "pldistill-text-outputs", "version": 1, "model": "tiny", "width": {{Width}}, "layers": {{Layers}}, "heads": {{Heads}}}""",
        };
        for (int i = 0; i < Utterances.Length; i++)
        {
            var (id, split) = Utterances[i];
            double seconds = 0.5 + 0.05 * i;
            WriteTone(Path.Combine(Corpus, "wav", id + ".wav"), 200 + 150 * i, seconds);
            corpusLines.Add(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["id"] = id, ["wav"] = $"wav/{id}.wav", ["text"] = $"sentence {id}", ["voice"] = "tone", ["rate"] = 150, ["pitch"] = 50,
                ["speaker"] = $"tone:{id}", ["split"] = split, ["seconds"] = seconds,
            }));
            if (leftOut.Contains(id))
                continue;
            int steps = 3 + i % 3;
            NpyWriter.WriteFloat32(Path.Combine(Text, "features", id + ".npy"), Features(i, steps), [steps, Width]);
            NpyWriter.WriteFloat32(Path.Combine(Text, "attention", id + ".npy"), Attention(steps), [Layers, Heads, steps, steps]);
            textLines.Add(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["id"] = id, ["text"] = $"sentence {id}", ["tokens"] = Enumerable.Range(0, steps).Select(t => $"w{t}").ToArray(),
                ["features"] = $"features/{id}.npy", ["attention"] = $"attention/{id}.npy",
            }));
        }
        File.WriteAllLines(Path.Combine(Corpus, "manifest.jsonl"), corpusLines);
        File.WriteAllLines(Path.Combine(Text, "manifest.jsonl"), textLines);
    }

    public string Root { get; } = Directory.CreateTempSubdirectory("pld-pad-").FullName;

    public string Corpus => Path.Combine(Root, "corpus");

    public string Text => Path.Combine(Root, "text");

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private static float[] Features(int utterance, int steps)
    {
        var values = new float[steps * Width];
        for (int t = 0; t < steps; t++)
            for (int d = 0; d < Width; d++)
                values[t * Width + d] = (float)Math.Sin(0.7 * utterance * (d + 1) + 0.1 * t);
        return values;
    }

    /// <summary>Every layer and head attends mostly to token 0 (weight 1/2), the rest evenly; rows sum to 1.</summary>
    private static float[] Attention(int steps)
    {
        var values = new float[Layers * Heads * steps * steps];
        for (int row = 0; row < Layers * Heads * steps; row++)
            for (int key = 0; key < steps; key++)
                values[row * steps + key] = key == 0 ? 0.5f : 0.5f / (steps - 1);
        return values;
    }

    private static void WriteTone(string path, double hertz, double seconds)
    {
        var samples = new float[(int)(seconds * SampleRate)];
        for (int n = 0; n < samples.Length; n++)
            samples[n] = (float)(0.3 * Math.Sin(2 * Math.PI * hertz * n / SampleRate));
        using var writer = WavWriter.Create(path, new PcmFormat(SampleRate, 1, SampleEncoding.Int16));
        writer.WriteFrames(samples);
    }
}
