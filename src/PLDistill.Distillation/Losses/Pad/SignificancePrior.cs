using PLDistill.Models.Lalm;
using TorchSharp;
using static PLDistill.Models.Runtime.KeptScalars;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Losses.Pad;

/// <summary>
/// PAD's significance prior: how much attention each unit (speech frame or text token) receives from the valid queries,
/// for self-attention maps A⁽ˡ⁾ (B, H, T, T) of the chosen layers l ∈ 𝓛 and valid units 𝒱 (the first length of each row):
/// <code>
///   c_j⁽ˡ⁾ = (1/H) Σ_h Σ_{i ∈ 𝒱} A⁽ˡ⁾_{h,i,j}                 (column sums over valid queries, head mean)
///   p_j   = (1/|𝓛|) Σ_l c_j⁽ˡ⁾ / Σ_{k ∈ 𝒱} c_k⁽ˡ⁾   for j ∈ 𝒱,   p_j = 0 at padding
/// </code>
/// Normalising each layer before the mean keeps one layer's scale from dominating. Priors are weights, not targets:
/// they carry no gradient.
/// </summary>
public static class SignificancePrior
{
    private static readonly Scalar Floor = 1e-12.ToScalar();

    /// <summary>The prior (B, T) from one attention map (B, H, T, T) per chosen layer and the valid lengths (B).</summary>
    /// <exception cref="ArgumentException">No maps, or a map is not (B, H, T, T) for the lengths' B.</exception>
    public static Tensor FromAttention(IReadOnlyList<Tensor> layers, Tensor lengths)
    {
        if (layers.Count == 0)
            throw new ArgumentException("the significance prior needs at least one attention map");
        var first = layers[0];
        foreach (var map in layers)
            if (map.dim() != 4 || map.size(0) != lengths.size(0) || map.size(2) != map.size(3) || map.size(2) != first.size(2))
                throw new ArgumentException(
                    $"attention map ({string.Join(", ", map.shape)}) must be (B, H, T, T) with B = {lengths.size(0)} clips and T = {first.size(2)}");
        using var scope = NewDisposeScope();
        var valid = AttentionMasks.ValidSteps(lengths, first.size(2)).to(first.dtype);        // (B, T)
        var validQueries = valid.unsqueeze(1).unsqueeze(-1);                                    // (B, 1, T, 1)
        var perLayer = new List<Tensor>();
        foreach (var map in layers)
        {
            var received = (map.detach() * validQueries).sum(2).mean([1]) * valid;              // (B, T)
            perLayer.Add(received / received.sum(1, keepdim: true).clamp_min(Floor));
        }
        return stack(perLayer, 0).mean([0]).MoveToOuterDisposeScope();
    }

    /// <summary>Equal weight 1/length on each valid unit, 0 at padding: (B, steps). The prior-free baselines use it.</summary>
    public static Tensor Uniform(Tensor lengths, long steps)
    {
        using var scope = NewDisposeScope();
        var valid = AttentionMasks.ValidSteps(lengths, steps).to(float32);
        return (valid / valid.sum(1, keepdim: true).clamp_min(One)).MoveToOuterDisposeScope();
    }
}
