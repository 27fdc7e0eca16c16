using PLDistill.Models.Runtime;
using TorchSharp;
using static PLDistill.Models.Runtime.KeptScalars;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Losses.Pad;

/// <summary>
/// PAD-SLocal, local alignment at adaptive granularity. Around each anchor frame a_k (<see cref="SpanAnchors"/>) and for
/// each width w (ξ/2, ξ, 2ξ, …), a span of w frames with the anchor at its centre, clipped to the clip's valid frames
/// [0, len_s):
/// <code>
///   σ_{k,w} = [max(0, a_k − ⌊(w−1)/2⌋), min(len_s − 1, a_k + ⌈(w−1)/2⌉)],   u_{k,w} = mean_{i ∈ σ_{k,w}} s_i
///   L = −Σ_j q_j max_{k,w} cos(u_{k,w}, t_j)
/// </code>
/// with s_i the speech frames projected to the text width and q the text prior (Σ = 1 over valid tokens). Each token
/// picks both its place and its granularity.
/// </summary>
public static class SpanLocalAlignment
{
    /// <summary>
    /// speech (B, Ts, D), speechLengths (B), anchors (B, K) from <see cref="SpanAnchors"/>, text (B, Tt, D),
    /// textPrior (B, Tt), widths in frames -> (B).
    /// </summary>
    public static Tensor Compute(Tensor speech, Tensor speechLengths, Tensor anchors, Tensor text, Tensor textPrior, IReadOnlyList<int> widths)
    {
        using var scope = NewDisposeScope();
        var (start, end) = Spans(anchors, speechLengths, widths);
        var means = SpanMeans(speech, start, end);                                               // (B, S, D)
        return CosineMatching.Loss(means, end.ge(start), text, textPrior).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Inclusive span bounds (B, S) int64, S = K · |widths|, ordered width by width (all anchors of the first width, then
    /// the next). A missing anchor gives an empty span, start 0 and end −1.
    /// </summary>
    public static (Tensor Start, Tensor End) Spans(Tensor anchors, Tensor speechLengths, IReadOnlyList<int> widths)
    {
        if (widths.Count == 0 || widths.Any(w => w < 1))
            throw new ArgumentException($"PAD span widths [{string.Join(", ", widths)}] must be one or more widths of at least 1 frame");
        using var scope = NewDisposeScope();
        var missing = anchors.lt(Zero);
        var centre = anchors.clamp_min(Zero);
        var last = speechLengths.to(int64).Minus(1).unsqueeze(1);                                 // (B, 1)
        var starts = new List<Tensor>();
        var ends = new List<Tensor>();
        foreach (int width in widths)
        {
            int before = (width - 1) / 2, after = width - 1 - before;                             // anchor centred, an even width leans right
            starts.Add(centre.Minus(before).clamp_min(Zero).FilledWhere(missing, 0));
            ends.Add(centre.Plus(after).minimum(last).FilledWhere(missing, SpanAnchors.Missing));
        }
        return (cat(starts, 1).MoveToOuterDisposeScope(), cat(ends, 1).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Mean of the frames in each span: speech (B, T, D), inclusive bounds (B, S) -> (B, S, D); an empty span gives 0.
    /// </summary>
    /// <remarks>
    /// One membership matrix times the frames, (B, S, T) × (B, T, D): exact (a cumulative sum would subtract large
    /// running totals), and no frame outside [start, end] — so no padding — can contribute. S = K · |widths| is small.
    /// </remarks>
    public static Tensor SpanMeans(Tensor speech, Tensor start, Tensor end)
    {
        using var scope = NewDisposeScope();
        var frame = KeptScalarOperations.Positions(speech.size(1), speech.device).view(1, 1, -1);   // (1, 1, T)
        var inside = frame.ge(start.unsqueeze(-1)).logical_and(frame.le(end.unsqueeze(-1))).to(speech.dtype);   // (B, S, T)
        var counts = inside.sum(-1, keepdim: true).clamp_min(One);
        return (inside.matmul(speech) / counts).MoveToOuterDisposeScope();
    }
}
