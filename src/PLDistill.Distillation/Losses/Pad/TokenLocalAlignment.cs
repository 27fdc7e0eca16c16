using PLDistill.Models.Lalm;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Losses.Pad;

/// <summary>
/// PAD-TLocal (SPLAT-style): each text token t_j is matched to its most similar valid speech frame s_i (projected to the
/// text width), and the matches are weighted by the text prior q (Σ = 1 over valid tokens, 0 at padding):
/// <code>
///   L = −Σ_j q_j max_{i &lt; len_s} cos(s_i, t_j)
/// </code>
/// A uniform q gives SPLAT's −(1/n) Σ_j max_i cos(s_i, t_j), the prior-free baseline. The minimum, −1, is reached when
/// every text token points the same way as some speech frame.
/// </summary>
public static class TokenLocalAlignment
{
    /// <summary>speech (B, Ts, D), speechLengths (B), text (B, Tt, D), textPrior (B, Tt) -> (B).</summary>
    public static Tensor Compute(Tensor speech, Tensor speechLengths, Tensor text, Tensor textPrior)
    {
        using var scope = NewDisposeScope();
        var validFrames = AttentionMasks.ValidSteps(speechLengths, speech.size(1));
        return CosineMatching.Loss(speech, validFrames, text, textPrior).MoveToOuterDisposeScope();
    }

    /// <summary>The speech frame each text token is matched to, (B, Tt) int64, and its cosine (B, Tt).</summary>
    public static (Tensor Frame, Tensor Similarity) BestFrames(Tensor speech, Tensor speechLengths, Tensor text)
    {
        using var validFrames = AttentionMasks.ValidSteps(speechLengths, speech.size(1));
        var (similarity, frame) = CosineMatching.Best(speech, validFrames, text);
        return (frame, similarity);
    }
}
