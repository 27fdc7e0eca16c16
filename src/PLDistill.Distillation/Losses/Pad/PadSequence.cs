using static TorchSharp.torch;

namespace PLDistill.Distillation.Losses.Pad;

/// <summary>
/// One side of a PAD pair, borrowed (never disposed here): features (B, T, D), valid lengths (B), and the model's
/// self-attention per layer (B, H, T, T), needed only when priors are used.
/// </summary>
public sealed record PadSequence(Tensor Features, Tensor Lengths, IReadOnlyList<Tensor> Attention)
{
    /// <summary>A side without attention maps (for runs without priors).</summary>
    public PadSequence(Tensor features, Tensor lengths) : this(features, lengths, []) { }

    /// <summary>T: units per row, padding included.</summary>
    public long Steps => Features.size(1);
}
