using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PLDistill.Models.Lalm;

/// <summary>
/// A small decoder-only LM over [prefix tokens; audio embeddings; suffix tokens], causal attention, learned positions.
/// Audio rows past a clip's length are padding: masked as keys and skipped by the position ids, so a padded batch
/// computes exactly what each clip alone would.
/// </summary>
public sealed class LanguageModel : Module
{
    private readonly TorchSharp.Modules.Embedding tokenEmbedding, positionEmbedding;
    private readonly TorchSharp.Modules.ModuleList<TransformerBlock> blocks;
    private readonly TorchSharp.Modules.LayerNorm finalNorm;
    private readonly TorchSharp.Modules.Linear head;

    /// <summary>An LM of the given shape over <paramref name="vocabularySize"/> tokens.</summary>
    public LanguageModel(LanguageModelConfig config, int vocabularySize) : base(nameof(LanguageModel))
    {
        Config = config.Validate();
        tokenEmbedding = Embedding(vocabularySize, config.Width);
        positionEmbedding = Embedding(config.MaxPositions, config.Width);
        blocks = new TorchSharp.Modules.ModuleList<TransformerBlock>(Enumerable.Range(0, config.Layers)
            .Select(_ => new TransformerBlock(config.Width, config.Heads, config.FeedForwardMultiplier, config.Dropout)).ToArray());
        finalNorm = LayerNorm(config.Width);
        head = Linear(config.Width, vocabularySize);
        RegisterComponents();
    }

    /// <summary>The shape.</summary>
    public LanguageModelConfig Config { get; }

    /// <summary>
    /// prefix (P) and suffix (Q) token ids, audio (B, Ta, D) with lengths (B) -> logits (B, P+Ta+Q, V), plus each layer's
    /// attention weights (B, H, S, S) when <paramref name="returnAttention"/>.
    /// </summary>
    public (Tensor Logits, IReadOnlyList<Tensor> Attention) Forward(Tensor prefixIds, Tensor audio, Tensor audioLengths, Tensor suffixIds, bool returnAttention)
    {
        using var scope = NewDisposeScope();
        long batch = audio.shape[0], audioSteps = audio.shape[1], p = prefixIds.shape[0], q = suffixIds.shape[0];
        long steps = p + audioSteps + q;
        if (p + audioSteps + q > Config.MaxPositions)
            throw new ArgumentException($"sequence of {steps} positions exceeds the language model's {Config.MaxPositions}; use a shorter window");
        var device = audio.device;

        var prefix = tokenEmbedding.forward(prefixIds).unsqueeze(0).expand(batch, -1, -1);
        var suffix = tokenEmbedding.forward(suffixIds).unsqueeze(0).expand(batch, -1, -1);
        var sequence = cat([prefix, audio, suffix], 1);                                                // (B, S, D)

        // Position ids skip padded audio: the suffix follows each clip's last real audio step.
        var audioRange = arange(audioSteps, dtype: int64, device: device).unsqueeze(0);              // (1, Ta)
        var prefixPositions = arange(p, dtype: int64, device: device).unsqueeze(0).expand(batch, -1);
        var audioPositions = (audioRange + p).expand(batch, -1);
        var suffixPositions = arange(q, dtype: int64, device: device).unsqueeze(0) + (audioLengths.unsqueeze(1) + p);
        var positionIds = cat([prefixPositions, audioPositions, suffixPositions], 1);                 // (B, S)
        var x = sequence + positionEmbedding.forward(positionIds);

        var validAudio = audioRange.lt(audioLengths.unsqueeze(1));                                     // (B, Ta)
        var validKeys = cat([ones(batch, p, dtype: @bool, device: device), validAudio, ones(batch, q, dtype: @bool, device: device)], 1);
        var order = arange(steps, dtype: int64, device: device);
        var mask = AttentionMasks.Additive(AttentionMasks.Window(order, order, leftContext: (int)steps), validKeys);

        var attention = new List<Tensor>();
        foreach (var block in blocks)
        {
            var step = block.Forward(x, mask, bias: null, returnWeights: returnAttention);
            x = step.Output;
            if (step.Weights is not null)
                attention.Add(step.Weights.MoveToOuterDisposeScope());
        }
        var logits = head.forward(finalNorm.forward(x));
        return (logits.MoveToOuterDisposeScope(), attention);
    }
}
