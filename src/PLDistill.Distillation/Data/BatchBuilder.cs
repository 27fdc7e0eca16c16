using static TorchSharp.torch;

namespace PLDistill.Distillation.Data;

/// <summary>
/// Groups feature clips into padded batches. Training crops each clip to at most <c>maxFrames</c> at a random offset
/// (the streaming window the model will see); evaluation keeps whole clips.
/// </summary>
public sealed class BatchBuilder
{
    private readonly IReadOnlyList<FeatureClip> clips;
    private readonly int melBins;

    /// <summary>Batches over <paramref name="clips"/>.</summary>
    public BatchBuilder(IReadOnlyList<FeatureClip> clips, int melBins)
    {
        this.clips = clips;
        this.melBins = melBins;
    }

    /// <summary>Number of clips.</summary>
    public int Count => clips.Count;

    /// <summary>Shuffled (with <paramref name="random"/>) or in-order index batches of <paramref name="batchSize"/>.</summary>
    public IEnumerable<int[]> Order(int batchSize, Random? random)
    {
        int[] order = Enumerable.Range(0, clips.Count).ToArray();
        random?.Shuffle(order);
        for (int start = 0; start < order.Length; start += batchSize)
            yield return order[start..Math.Min(start + batchSize, order.Length)];
    }

    /// <summary>
    /// Shuffled batches over one variant of each source clip, drawn uniformly with <paramref name="random"/>: an epoch that
    /// sees every clip once, at one of its speeds.
    /// </summary>
    public IEnumerable<int[]> OrderOnePerSource(int batchSize, Random random)
    {
        int[] order = VariantsBySource.Select(variants => variants[random.Next(variants.Length)]).ToArray();
        random.Shuffle(order);
        return order.Chunk(batchSize);
    }

    /// <summary>Source clips (distinct RAVDESS files) among the variants.</summary>
    public int SourceCount => VariantsBySource.Length;

    private int[][] VariantsBySource => variantsBySource ??= Enumerable.Range(0, clips.Count)
        .GroupBy(i => clips[i].Source.Path, StringComparer.Ordinal).Select(g => g.ToArray()).ToArray();

    private int[][]? variantsBySource;

    /// <summary>
    /// Builds one batch; crops to <paramref name="maxFrames"/> (random offset when <paramref name="random"/> is given, centred
    /// otherwise). Offsets are rounded down to a multiple of <paramref name="offsetStep"/>: with the encoder's subsampling
    /// factor, a window's audio tokens are then exactly a run of the whole clip's tokens (what stored teacher outputs need).
    /// </summary>
    public Batch Make(IReadOnlyList<int> indices, int? maxFrames, Random? random, int offsetStep = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(offsetStep, 1);
        var placed = new (int Clip, int Offset)[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            var clip = clips[indices[i]];
            int length = maxFrames is int cap ? Math.Min(cap, clip.Frames) : clip.Frames;
            int slack = clip.Frames - length;
            int offset = slack == 0 ? 0 : random?.Next(slack + 1) ?? slack / 2;
            placed[i] = (indices[i], offset - offset % offsetStep);
        }
        return MakeAt(placed, maxFrames);
    }

    /// <summary>
    /// One batch of given windows: clip <c>Clip</c> from frame <c>Offset</c>, at most <paramref name="maxFrames"/> long
    /// (to the clip's end without a cap).
    /// </summary>
    public Batch MakeAt(IReadOnlyList<(int Clip, int Offset)> placed, int? maxFrames)
    {
        var windows = new ReadOnlyMemory<float>[placed.Count];
        var targets = new long[placed.Count];
        for (int i = 0; i < placed.Count; i++)
        {
            var (index, offset) = placed[i];
            var clip = clips[index];
            int length = Math.Min(maxFrames ?? int.MaxValue, clip.Frames - offset);
            windows[i] = clip.Features.AsMemory(offset * melBins, length * melBins);
            targets[i] = clip.Label;
        }
        var (mel, lengths) = MelPadding.Stack(windows, melBins);
        return new Batch(mel, lengths, tensor(targets)) { Windows = [.. placed] };
    }
}
