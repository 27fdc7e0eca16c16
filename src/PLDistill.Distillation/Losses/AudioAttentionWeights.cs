using PLDistill.Models.Lalm;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Losses;

/// <summary>Turns a teacher's LM attention into AwCKA time-step weights (B, Ta), Σ = 1 over each clip's audio.</summary>
public static class AudioAttentionWeights
{
    private static readonly Scalar Floor = 1e-12.ToScalar();

    /// <summary>Weights from <paramref name="teacher"/>'s attention (it must have been run with attention returned).</summary>
    /// <exception cref="ArgumentException">The output carries no attention, or a layer or head is out of range.</exception>
    public static Tensor From(LalmOutput teacher, AttentionSource source)
    {
        if (teacher.Attention.Count == 0)
            throw new ArgumentException("the teacher output carries no attention; run it with returnAttention: true");
        using var scope = NewDisposeScope();
        int layers = teacher.Attention.Count;
        var picked = new List<Tensor>();
        foreach (int requested in source.Layers)
        {
            int layer = requested < 0 ? layers + requested : requested;
            if (layer < 0 || layer >= layers)
                throw new ArgumentException($"attention layer {requested} is out of range: the teacher LM has {layers} layers");
            var weights = teacher.Attention[layer];                                          // (B, H, S, S)
            long heads = weights.size(1);
            if (source.Heads.Count > 0)
            {
                if (source.Heads.Any(h => h < 0 || h >= heads))
                    throw new ArgumentException($"attention heads {string.Join(",", source.Heads)}: the teacher LM has {heads} heads");
                weights = weights.index_select(1, tensor(source.Heads.Select(h => (long)h).ToArray(), device: weights.device));
            }
            long steps = weights.size(2);
            var queries = source.Queries == AttentionQueries.Answer
                ? weights.narrow(2, steps - 1, 1)
                : weights.narrow(2, steps - teacher.SuffixLength, teacher.SuffixLength);    // (B, h, q, S)
            var ontoAudio = queries.narrow(3, teacher.PrefixLength, teacher.AudioSteps);     // (B, h, q, Ta)
            picked.Add(ontoAudio.mean([1, 2]));                                               // (B, Ta)
        }
        var mean = stack(picked, 0).mean([0]).detach();
        var valid = AttentionMasks.ValidSteps(teacher.AudioLengths, teacher.AudioSteps).to(float32);
        var masked = mean * valid;
        return (masked / masked.sum(1, keepdim: true).clamp_min(Floor)).MoveToOuterDisposeScope();
    }
}
