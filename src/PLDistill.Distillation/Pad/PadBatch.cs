using PLDistill.Distillation.Data;
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
        foreach (var clip in clips)
            if (clip.Mel.Length != clip.Frames * melBins)
                throw new ArgumentException($"clip '{clip.Id}' holds {clip.Mel.Length} values, not {clip.Frames} frames × {melBins} bins", nameof(clips));
        return MelPadding.Stack([.. clips.Select(c => (ReadOnlyMemory<float>)c.Mel)], melBins);
    }
}
