using static TorchSharp.torch;

namespace PLDistill.Distillation.Losses.Pad;

/// <summary>
/// PAD-Glob: the L1 distance between prior-pooled speech s_i (projected to the text width) and prior-pooled text t_j,
/// per clip, with speech prior p and text prior q (each Σ = 1 over valid units, 0 at padding):
/// <code>
///   s̄ = Σ_i p_i s_i,   t̄ = Σ_j q_j t_j,   L = (1/D) Σ_d |s̄_d − t̄_d|
/// </code>
/// Uniform priors give plain global mean pooling, the prior-free baseline.
/// </summary>
public static class GlobalAlignment
{
    /// <summary>speech (B, Ts, D), speechPrior (B, Ts), text (B, Tt, D), textPrior (B, Tt) -> (B).</summary>
    public static Tensor Compute(Tensor speech, Tensor speechPrior, Tensor text, Tensor textPrior)
    {
        using var scope = NewDisposeScope();
        var pooledSpeech = Pool(speech, speechPrior);                                            // (B, D)
        var pooledText = Pool(text, textPrior);                                                  // (B, D)
        return (pooledSpeech - pooledText).abs().mean([-1]).MoveToOuterDisposeScope();
    }

    /// <summary>Σ_t w_t x_t: (B, T, D), (B, T) -> (B, D).</summary>
    public static Tensor Pool(Tensor x, Tensor weights)
    {
        using var scope = NewDisposeScope();
        return (weights.to(x.dtype).unsqueeze(-1) * x).sum(1).MoveToOuterDisposeScope();
    }
}
