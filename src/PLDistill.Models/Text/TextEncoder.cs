using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PLDistill.Models.Text;

/// <summary>
/// A small bidirectional transformer encoder over word ids (BERT's recipe, pre-norm), the in-project text teacher for PAD:
/// <code>
///   x₀ = E[ids] + P[0 … T−1]                                  (B, T, D)
///   xₗ = Blockₗ(xₗ₋₁, mask)    l = 1 … L                        (B, T, D), attention Aₗ (B, H, T, T)
///   h  = LN(x_L)                                              (B, T, D)
/// </code>
/// Every query sees every valid key (no causal mask); keys at or past a row's length are blocked, so padding changes no
/// valid output. <see cref="Logits"/> is the tied masked-language-model head on top.
/// </summary>
public sealed class TextEncoder : Module
{
    private const double EmbeddingStandardDeviation = 0.02;   // BERT's; TorchSharp's N(0, 1) makes tied logits huge

    private readonly TorchSharp.Modules.Embedding tokenEmbedding, positionEmbedding;
    private readonly TorchSharp.Modules.ModuleList<TransformerBlock> blocks;
    private readonly TorchSharp.Modules.LayerNorm finalNorm;
    private readonly MaskedLanguageModelHead head;
    private readonly double dropout;

    /// <summary>An encoder of the given shape with fresh weights (seed libtorch first for reproducible ones).</summary>
    public TextEncoder(TextEncoderConfig config) : base(nameof(TextEncoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config.Validate();
        dropout = config.Dropout;
        tokenEmbedding = Embedding(config.VocabularySize, config.Width);
        positionEmbedding = Embedding(config.MaxPositions, config.Width);
        blocks = new TorchSharp.Modules.ModuleList<TransformerBlock>([.. Enumerable.Range(0, config.Layers)
            .Select(_ => new TransformerBlock(config.Width, config.Heads, config.FeedForwardMultiplier, config.Dropout))]);
        finalNorm = LayerNorm(config.Width);
        head = new MaskedLanguageModelHead(config.Width, config.VocabularySize);
        using (no_grad())
        {
            init.normal_(tokenEmbedding.weight!, 0, EmbeddingStandardDeviation);
            init.normal_(positionEmbedding.weight!, 0, EmbeddingStandardDeviation);
        }
        RegisterComponents();
    }

    /// <summary>The shape.</summary>
    public TextEncoderConfig Config { get; }

    /// <summary>
    /// ids (B, T) int64, padded with anything past each row's length, and lengths (B) int64 -> hidden states and attention
    /// maps of every layer (see <see cref="TextEncoderOutput"/>).
    /// </summary>
    /// <exception cref="ArgumentException">T exceeds <see cref="TextEncoderConfig.MaxPositions"/>.</exception>
    public TextEncoderOutput Forward(Tensor ids, Tensor lengths)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(lengths);
        using var scope = NewDisposeScope();
        long steps = ids.size(1);
        if (steps > Config.MaxPositions)
            throw new ArgumentException($"{steps} tokens exceed the text encoder's {Config.MaxPositions} positions; truncate the input");
        var device = ids.device;
        using var positions = KeptScalarOperations.Positions(steps, device);
        var x = tokenEmbedding.forward(ids).Plus(positionEmbedding.forward(positions).unsqueeze(0));      // (B, T, D)
        x = TrainingDropout.Apply(x, dropout, training);
        using var allPairs = AttentionMasks.Window(positions, positions, leftContext: null);                 // bidirectional
        using var validKeys = AttentionMasks.ValidSteps(lengths, steps);                                    // (B, T)
        var mask = AttentionMasks.Additive(allPairs, validKeys, x.dtype);                                   // (B, 1, T, T)

        var states = new List<Tensor> { x };
        var attention = new List<Tensor>();
        foreach (var block in blocks)
        {
            var step = block.Forward(x, mask, returnWeights: true);
            x = step.Output;
            states.Add(x);
            attention.Add(step.Weights!);
        }
        var hidden = finalNorm.forward(x);
        states[^1] = hidden;
        foreach (var tensor in states.Concat(attention))
            tensor.MoveToOuterDisposeScope();
        return new TextEncoderOutput(hidden, states, attention);
    }

    /// <summary>hidden (…, D) -> logits over the vocabulary (…, V), the tied masked-language-model head.</summary>
    public Tensor Logits(Tensor hidden) => head.Predict(hidden, tokenEmbedding.weight!);
}
