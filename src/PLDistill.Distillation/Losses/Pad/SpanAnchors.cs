using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Losses.Pad;

/// <summary>
/// Anchor frames for <see cref="SpanLocalAlignment"/>: (B, K') int64 frame indices with K' = min(K, T), and −1 where a
/// clip has fewer than K valid frames (no anchor).
/// </summary>
public static class SpanAnchors
{
    /// <summary>The value of a missing anchor.</summary>
    public const long Missing = -1;

    /// <summary>
    /// The K valid frames with the highest prior (B, T), most significant first (PAD). Padding ranks below every valid
    /// frame, so a clip with n valid frames has its first min(K, n) anchors valid.
    /// </summary>
    public static Tensor MostSignificant(Tensor prior, Tensor lengths, int count)
    {
        CheckCount(count);
        using var scope = NewDisposeScope();
        long steps = prior.size(1);
        var padding = AttentionMasks.ValidSteps(lengths, steps).logical_not();
        var scores = prior.FilledWhere(padding, -1.0);                                         // priors are ≥ 0
        var (_, frames) = scores.topk((int)Math.Min(count, steps), dim: 1);                    // (B, K')
        return WithoutRanksBeyond(frames, lengths).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// K' = min(K, n) frames evenly spread over each clip's n valid frames, at the centres ⌊(2k + 1) n / 2K'⌋ of K' equal
    /// parts (the prior-free ablation).
    /// </summary>
    public static Tensor EvenlySpaced(Tensor lengths, long steps, int count)
    {
        CheckCount(count);
        using var scope = NewDisposeScope();
        var length = lengths.to(int64).unsqueeze(1);                                             // (B, 1): n
        var rank = KeptScalarOperations.Positions(Math.Min(count, steps), lengths.device).unsqueeze(0);   // (1, K'): k
        var parts = length.ClampedTo(0, count);                                                 // K' per clip
        var oddRank = rank.add(rank, KeptScalars.One).Plus(1);                                  // 2k + 1
        var frames = (oddRank * length).div(parts.add(parts, KeptScalars.One).clamp_min(KeptScalars.One), RoundingMode.floor);
        return WithoutRanksBeyond(frames, lengths).MoveToOuterDisposeScope();
    }

    /// <summary>Anchors of rank k ≥ n (clips shorter than K) become <see cref="Missing"/>.</summary>
    private static Tensor WithoutRanksBeyond(Tensor frames, Tensor lengths)
    {
        using var rank = KeptScalarOperations.Positions(frames.size(1), frames.device).unsqueeze(0);
        using var beyond = rank.ge(lengths.to(int64).unsqueeze(1));
        return frames.FilledWhere(beyond, Missing);
    }

    private static void CheckCount(int count)
    {
        if (count < 1)
            throw new ArgumentException($"PAD anchors {count} must be at least 1");
    }
}
