using static TorchSharp.torch;

namespace PLDistill.Distillation.Pad;

/// <summary>Zero-padded log-mel batches of <see cref="PadClip"/>s.</summary>
public static class PadBatch
{
    /// <summary>mel (B, T, M) with T the longest clip, zeros after each clip's end, and lengths (B) in frames; the caller disposes both.</summary>
    public static (Tensor Mel, Tensor Lengths) Mel(IReadOnlyList<PadClip> clips, int melBins)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.Count == 0)
            throw new ArgumentException("a batch needs at least one clip", nameof(clips));
        int steps = clips.Max(c => c.Frames);
        var values = new float[(long)clips.Count * steps * melBins];
        var lengths = new long[clips.Count];
        for (int b = 0; b < clips.Count; b++)
        {
            var clip = clips[b];
            if (clip.Mel.Length != clip.Frames * melBins)
                throw new ArgumentException($"clip '{clip.Id}' holds {clip.Mel.Length} values, not {clip.Frames} frames × {melBins} bins", nameof(clips));
            clip.Mel.CopyTo(values, (long)b * steps * melBins);
            lengths[b] = clip.Frames;
        }
        return (tensor(values, [clips.Count, steps, melBins]), tensor(lengths));
    }
}
