using PLDistill.Distillation.Data.Npy;
using PLDistill.Distillation.Losses.Pad;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Data.TextTeacher;

/// <summary>
/// A text teacher's outputs computed elsewhere (e.g. BERT in Python with tools/export_text_outputs.py): per utterance the
/// token vectors (T, D) and, optionally, the self-attention maps (L, H, T, T), batched as the text side of PAD
/// (<see cref="PadSequence"/>).
/// </summary>
/// <remarks>
/// <para>Format "pldistill-text-outputs", version 1: a folder holding <c>manifest.jsonl</c> and .npy files.</para>
/// <code>
///   line 1    {"format": "pldistill-text-outputs", "version": 1, "model": "bert-base-uncased", "feature_layer": 12,
///              "width": 768, "layers": 12, "heads": 12}             (layers, heads: both or neither; model, feature_layer optional)
///   line 2…   {"id": "03-01-05-01-01-01-12", "text": "Kids are talking by the door", "tokens": ["[CLS]", "kids", …],
///              "features": "features/000000.npy", "attention": "attention/000000.npy"}
///   features  (T, D) float32, float16 or float64, little-endian, C order; row t is token t, T = len(tokens), D = width
///   attention (L, H, T, T) same dtypes; [l, h, i, :] is query i's softmax over keys (non-negative, sums to 1)
/// </code>
/// Paths are relative to the folder and stay inside it; ids are unique; blank lines after the header are skipped; other
/// utterance fields are ignored. Every utterance has attention exactly when the header gives layers and heads.
/// <para>Loading is lazy with eager checks. <see cref="Open"/> reads the manifest and every .npy header, so a wrong shape,
/// dtype or file length is reported at once with its manifest line; values are read only when a batch needs them, and only
/// the requested attention layers. Attention dominates the size (BERT-base: 144 maps of T × T per utterance, 0.5 MB at
/// T = 30 in float32, gigabytes for a corpus), so memory is bounded by one batch, not the corpus. Values are checked as
/// they are read: features finite, attention rows non-negative and summing to 1.</para>
/// <para>Immutable; <see cref="Make(IReadOnlyList{int}, IReadOnlyList{int}?)"/> may run on several threads at once.</para>
/// </remarks>
public sealed class TextTeacherOutputs
{
    /// <summary>The manifest's file name inside the folder.</summary>
    public const string ManifestFileName = "manifest.jsonl";

    /// <summary>The header's "format" value.</summary>
    public const string FormatName = "pldistill-text-outputs";

    /// <summary>The header's "version" value this build reads.</summary>
    public const int FormatVersion = 1;

    // float16 rounding moves a softmax row's sum by < 1e-3; logits exported before the softmax, or a map with queries and
    // keys swapped, miss by far more.
    private const double RowSumTolerance = 1e-2;

    private readonly Dictionary<string, int> indexById;

    private TextTeacherOutputs(string manifest, TextTeacherHeader header, IReadOnlyList<TextTeacherUtterance> utterances)
    {
        Manifest = manifest;
        Header = header;
        Utterances = utterances;
        Ids = [.. utterances.Select(u => u.Id)];
        indexById = utterances.Select((u, i) => (u.Id, i)).ToDictionary(p => p.Id, p => p.i, StringComparer.Ordinal);
    }

    /// <summary>Reads and checks the manifest of <paramref name="folder"/> and the header of every .npy file it names.</summary>
    /// <exception cref="TextTeacherOutputsException">The first problem found; the message names the file, line and problem.</exception>
    public static TextTeacherOutputs Open(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var (manifest, header, utterances) = TextTeacherManifest.Read(folder);
        return new TextTeacherOutputs(manifest, header, utterances);
    }

    /// <summary>The manifest's full path.</summary>
    public string Manifest { get; }

    /// <summary>The manifest's header: model, width, layers and heads.</summary>
    public TextTeacherHeader Header { get; }

    /// <summary>D: the width of every token vector.</summary>
    public int Width => Header.Width;

    /// <summary>L: attention layers per utterance, 0 without attention.</summary>
    public int Layers => Header.Layers;

    /// <summary>H: heads per attention layer, 0 without attention.</summary>
    public int Heads => Header.Heads;

    /// <summary>Whether the folder has attention maps.</summary>
    public bool HasAttention => Header.HasAttention;

    /// <summary>Utterances, in manifest order.</summary>
    public IReadOnlyList<TextTeacherUtterance> Utterances { get; }

    /// <summary>The utterances' ids, in manifest order.</summary>
    public IReadOnlyList<string> Ids { get; }

    /// <summary>Number of utterances.</summary>
    public int Count => Utterances.Count;

    /// <summary>The index of the utterance with id <paramref name="id"/>, or null when there is none.</summary>
    public int? IndexOf(string id) => indexById.TryGetValue(id, out int index) ? index : null;

    /// <summary>The batch of the utterances with <paramref name="ids"/>, in that order; see <see cref="Make(IReadOnlyList{int}, IReadOnlyList{int}?)"/>.</summary>
    /// <exception cref="ArgumentException">An id is not in the folder.</exception>
    public TextTeacherBatch Make(IReadOnlyList<string> ids, IReadOnlyList<int>? attentionLayers = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var indices = new int[ids.Count];
        for (int i = 0; i < ids.Count; i++)
            indices[i] = IndexOf(ids[i]) ?? throw new ArgumentException($"no utterance '{ids[i]}' in {Manifest}", nameof(ids));
        return Make(indices, attentionLayers);
    }

    /// <summary>
    /// Reads the utterances at <paramref name="indices"/>, in that order, into a padded batch (the caller disposes it).
    /// <paramref name="attentionLayers"/> picks the maps: null for every layer of a folder with attention (none otherwise),
    /// an empty list for none, or those layers in that order, negative counting from the end. The batch's maps are then
    /// numbered 0, 1, … in that order, so PAD's prior layers index this list, not the text model's layers.
    /// </summary>
    /// <exception cref="ArgumentException">No indices, an index or layer out of range, layers from a folder without attention, or a batch too large for one array.</exception>
    /// <exception cref="TextTeacherOutputsException">A file became unreadable, or holds values the format forbids (the message names its manifest line).</exception>
    public TextTeacherBatch Make(IReadOnlyList<int> indices, IReadOnlyList<int>? attentionLayers = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Count == 0)
            throw new ArgumentException("a batch needs at least one utterance", nameof(indices));
        var batch = new TextTeacherUtterance[indices.Count];
        for (int b = 0; b < batch.Length; b++)
            batch[b] = (uint)indices[b] < (uint)Count
                ? Utterances[indices[b]]
                : throw new ArgumentOutOfRangeException(nameof(indices), $"utterance index {indices[b]} is outside 0 … {Count - 1}");
        int[] layers = ResolveLayers(attentionLayers);
        int steps = batch.Max(u => u.Steps);
        var features = new float[Elements(batch.Length, steps, Width)];
        var maps = layers.Select(_ => new float[Elements(batch.Length, Heads, steps, steps)]).ToArray();
        var block = new float[layers.Length == 0 ? 0 : Elements(Heads, steps, steps)];
        var lengths = new long[batch.Length];

        for (int b = 0; b < batch.Length; b++)
        {
            var utterance = batch[b];
            int length = utterance.Steps;
            lengths[b] = length;
            var rows = features.AsSpan(b * steps * Width, length * Width);   // (T, D) is contiguous in (B, Tmax, D)
            Read(utterance, utterance.Features, 0, rows);
            CheckFinite(utterance, rows);
            for (int k = 0; k < layers.Length; k++)
            {
                var layerMaps = block.AsSpan(0, Heads * length * length);          // (H, T, T) of one layer
                Read(utterance, utterance.Attention!, (long)layers[k] * layerMaps.Length, layerMaps);
                CheckRows(utterance, layers[k], layerMaps, length);
                for (int row = 0; row < Heads * length; row++)                  // row = h · T + query
                {
                    int head = row / length, query = row % length;
                    layerMaps.Slice(row * length, length).CopyTo(maps[k].AsSpan(((b * Heads + head) * steps + query) * steps));
                }
            }
        }
        return new TextTeacherBatch(tensor(features, [batch.Length, steps, Width]), tensor(lengths),
                                    [.. maps.Select(map => tensor(map, [batch.Length, Heads, steps, steps]))]);
    }

    private int[] ResolveLayers(IReadOnlyList<int>? requested)
    {
        if (requested is null)
            return HasAttention ? [.. Enumerable.Range(0, Layers)] : [];
        if (requested.Count > 0 && !HasAttention)
            throw new ArgumentException($"{Manifest} has no attention maps; ask for no layers", nameof(requested));
        var layers = new int[requested.Count];
        for (int k = 0; k < layers.Length; k++)
        {
            int layer = requested[k] < 0 ? Layers + requested[k] : requested[k];
            layers[k] = layer >= 0 && layer < Layers
                ? layer
                : throw new ArgumentOutOfRangeException(nameof(requested), $"attention layer {requested[k]} is out of range: the folder has {Layers} layers");
        }
        return layers;
    }

    private static int Elements(params ReadOnlySpan<int> sizes)
    {
        long count = 1;
        foreach (int size in sizes)
            count *= size;
        return count <= Array.MaxLength
            ? (int)count
            : throw new ArgumentException($"a batch of ({string.Join(", ", sizes.ToArray())}) values is too large for one array; use smaller batches");
    }

    private void Read(TextTeacherUtterance utterance, NpyHeader array, long first, Span<float> destination)
    {
        try
        {
            NpyReader.ReadRange(array, first, destination);
        }
        catch (NpyFormatException bad)
        {
            throw new TextTeacherOutputsException(Manifest, utterance.Line, $"{array.Path}: {bad.Problem}", bad);
        }
        catch (IOException bad)
        {
            throw new TextTeacherOutputsException(Manifest, utterance.Line, $"{array.Path} cannot be read: {bad.Message}", bad);
        }
    }

    private void CheckFinite(TextTeacherUtterance utterance, ReadOnlySpan<float> rows)
    {
        for (int i = 0; i < rows.Length; i++)
            if (!float.IsFinite(rows[i]))
                throw new TextTeacherOutputsException(Manifest, utterance.Line,
                    $"features {utterance.Features.Path} hold {rows[i]} at token {i / Width}; features must be finite");
    }

    private void CheckRows(TextTeacherUtterance utterance, int layer, ReadOnlySpan<float> maps, int length)
    {
        for (int row = 0; row < maps.Length / length; row++)
        {
            double sum = 0;
            foreach (float weight in maps.Slice(row * length, length))
                sum += weight >= 0 ? weight : double.NaN;   // NaN (and so a refusal) for a negative or NaN weight
            if (!(Math.Abs(sum - 1) <= RowSumTolerance))
                throw new TextTeacherOutputsException(Manifest, utterance.Line,
                    $"attention {utterance.Attention!.Path} layer {layer} head {row / length} query {row % length} sums to {sum:G4}, " +
                    "not 1, or has a negative weight; rows must be queries' softmax weights over the last axis");
        }
    }
}
