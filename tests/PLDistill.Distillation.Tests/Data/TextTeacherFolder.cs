using System.Text.Json;

namespace PLDistill.Distillation.Tests.Data;

/// <summary>
/// A temporary text-outputs folder written by hand: three utterances "a" (T = 2, float32), "b" (T = 4, float16) and
/// "c" (T = 3, float64) of width 3 with 2 layers of 2 heads, whose values come from <see cref="Feature"/> and
/// <see cref="Weight"/>. Tests edit <see cref="Lines"/> and the files, then <see cref="WriteManifest"/>.
/// </summary>
internal sealed class TextTeacherFolder : IDisposable
{
    public const int Width = 3, Layers = 2, Heads = 2;

    public static readonly (string Id, int Steps, string Descr)[] Utterances = [("a", 2, "<f4"), ("b", 4, "<f2"), ("c", 3, "<f8")];

    public TextTeacherFolder(bool withAttention = true)
    {
        Directory.CreateDirectory(System.IO.Path.Combine(Path, "features"));
        Directory.CreateDirectory(System.IO.Path.Combine(Path, "attention"));
        Lines.Add(withAttention
            ? $$"""{"format": "pldistill-text-outputs", "version": 1, "model": "tiny", "width": {{Width}}, "layers": {{Layers}}, "heads": {{Heads}}}"""
            : $$"""{"format": "pldistill-text-outputs", "version": 1, "width": {{Width}}}""");
        foreach (var (id, steps, descr) in Utterances)
        {
            WriteFeatures(id, steps, Width, descr);
            if (withAttention)
                WriteAttention(id, [Layers, Heads, steps, steps], descr);
            Lines.Add(Line(id, steps, withAttention));
        }
        WriteManifest();
    }

    public string Path { get; } = Directory.CreateTempSubdirectory("pld-text-").FullName;

    /// <summary>The manifest's lines: the header, then one per utterance.</summary>
    public List<string> Lines { get; } = [];

    /// <summary>Feature value of utterance <paramref name="id"/> at token t, dimension d: exact in float16.</summary>
    public static float Feature(string id, int t, int d) => (id[0] - 'a' + 1) * 16 + t * 4 + d + 0.5f;

    /// <summary>Attention weight of query i on key j (layer l, head h) of T tokens: positive, each row summing to 1.</summary>
    public static float Weight(int l, int h, int i, int j, int steps)
    {
        double total = 0;
        for (int k = 0; k < steps; k++)
            total += 1 + l + 2 * h + ((i + k) % steps);
        return (float)((1 + l + 2 * h + ((i + j) % steps)) / total);
    }

    /// <summary>A manifest line for an utterance written under its id.</summary>
    public static string Line(string id, int steps, bool withAttention = true)
    {
        var fields = new Dictionary<string, object>
        {
            ["id"] = id,
            ["text"] = $"utterance {id}",
            ["tokens"] = Enumerable.Range(0, steps).Select(t => $"{id}{t}").ToArray(),
            ["features"] = $"features/{id}.npy",
        };
        if (withAttention)
            fields["attention"] = $"attention/{id}.npy";
        return JsonSerializer.Serialize(fields);
    }

    public string WriteFeatures(string id, int steps, int width, string descr = "<f4")
    {
        var values = new double[steps * width];
        for (int t = 0; t < steps; t++)
            for (int d = 0; d < width; d++)
                values[t * width + d] = Feature(id, t, d);
        string file = System.IO.Path.Combine(Path, "features", id + ".npy");
        NpyWriter.Write(file, values, [steps, width], descr);
        return file;
    }

    /// <summary>Writes attention of <paramref name="shape"/> (L, H, Tq, Tk) from <see cref="Weight"/> (rows of Tk keys).</summary>
    public string WriteAttention(string id, long[] shape, string descr = "<f4")
    {
        int layers = (int)shape[0], heads = (int)shape[1], queries = (int)shape[2], keys = (int)shape[3];
        var values = new double[layers * heads * queries * keys];
        int n = 0;
        for (int l = 0; l < layers; l++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < queries; i++)
                    for (int j = 0; j < keys; j++)
                        values[n++] = Weight(l, h, i, j, keys);
        string file = System.IO.Path.Combine(Path, "attention", id + ".npy");
        NpyWriter.Write(file, values, shape, descr);
        return file;
    }

    public void WriteManifest() => File.WriteAllLines(System.IO.Path.Combine(Path, "manifest.jsonl"), Lines);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
