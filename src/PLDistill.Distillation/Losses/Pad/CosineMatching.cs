using PLDistill.Models.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Losses.Pad;

/// <summary>
/// The local PAD losses' shared core: each text token t_j finds its most similar valid candidate c_i (a speech frame or a
/// span), and the matches are averaged under the text prior q:
/// <code>
///   m_j = max_{i valid} cos(c_i, t_j),   L = −Σ_j q_j m_j
/// </code>
/// </summary>
internal static class CosineMatching
{
    private static readonly Scalar SquaredFloor = 1e-16.ToScalar();
    private const double NoMatch = -2.0;   // below every cosine, so an invalid candidate never wins; finite, so 0·NoMatch = 0

    /// <summary>Best cosine per text token and the candidate that gives it: ((B, Tt), (B, Tt) int64).</summary>
    public static (Tensor Similarity, Tensor Index) Best(Tensor candidates, Tensor validCandidates, Tensor text)
    {
        using var scope = NewDisposeScope();
        var cosines = Normalized(text).matmul(Normalized(candidates).transpose(1, 2));          // (B, Tt, N)
        var blocked = cosines.FilledWhere(validCandidates.logical_not().unsqueeze(1), NoMatch);
        var (similarity, index) = blocked.max(2);
        return (similarity.MoveToOuterDisposeScope(), index.MoveToOuterDisposeScope());
    }

    /// <summary>−Σ_j q_j m_j per clip: (B).</summary>
    public static Tensor Loss(Tensor candidates, Tensor validCandidates, Tensor text, Tensor textPrior)
    {
        using var scope = NewDisposeScope();
        var (similarity, _) = Best(candidates, validCandidates, text);
        return (similarity * textPrior.to(similarity.dtype)).sum(1).neg().MoveToOuterDisposeScope();
    }

    /// <summary>x / ‖x‖ along the last dimension; the floor inside the root keeps zero vectors (padding) finite in both directions.</summary>
    private static Tensor Normalized(Tensor x) => x / (x * x).sum(-1, keepdim: true).clamp_min(SquaredFloor).sqrt();
}
