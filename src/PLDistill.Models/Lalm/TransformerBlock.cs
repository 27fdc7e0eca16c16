using PLDistill.Models.Runtime;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PLDistill.Models.Lalm;

/// <summary>Pre-norm transformer block: x + Attn(LN(x)), then x + FFN(LN(x)).</summary>
public sealed class TransformerBlock : Module
{
    private readonly TorchSharp.Modules.LayerNorm attentionNorm;
    private readonly SelfAttention attention;
    private readonly TorchSharp.Modules.LayerNorm feedForwardNorm;
    private readonly TorchSharp.Modules.Linear expand, contract;
    private readonly double dropout;

    /// <summary>A block of the given width.</summary>
    public TransformerBlock(int width, int heads, int feedForwardMultiplier, double dropout) : base(nameof(TransformerBlock))
    {
        this.dropout = dropout;
        attentionNorm = LayerNorm(width);
        attention = new SelfAttention(width, heads, dropout);
        feedForwardNorm = LayerNorm(width);
        expand = Linear(width, feedForwardMultiplier * width);
        contract = Linear(feedForwardMultiplier * width, width);
        RegisterComponents();
    }

    /// <summary>
    /// x (B, T, D) -> (B, T, D); <paramref name="scoreOffset"/> is added to the attention scores (mask plus any position
    /// bias, see <see cref="SelfAttention.Attend"/>). With <paramref name="pastKeys"/>/<paramref name="pastValues"/> the
    /// block continues a stream.
    /// The result also carries this step's keys and values (for a cache) and, if asked, the attention weights.
    /// </summary>
    /// <remarks>
    /// With <paramref name="lastRows"/> = k only the last k rows are computed past attention (the output is (B, k, D));
    /// every row still gives its key and value. An LM's last block needs only the answer's row.
    /// </remarks>
    public AttentionResult Forward(Tensor x, Tensor scoreOffset,
                                   Tensor? pastKeys = null, Tensor? pastValues = null, bool returnWeights = false, int? lastRows = null)
    {
        using var scope = NewDisposeScope();
        using var normed = attentionNorm.forward(x);
        var attended = attention.Attend(normed, scoreOffset, pastKeys, pastValues, returnWeights, lastRows);
        var residual = lastRows is int k ? x.narrow(1, x.size(1) - k, k) : x;
        var h = residual.Plus(Dropout(attended.Output));
        var hidden = functional.gelu(expand.forward(feedForwardNorm.forward(h)));
        var y = h.Plus(Dropout(contract.forward(Dropout(hidden))));
        return new AttentionResult(
            y.MoveToOuterDisposeScope(),
            attended.Keys.MoveToOuterDisposeScope(),
            attended.Values.MoveToOuterDisposeScope(),
            attended.Weights?.MoveToOuterDisposeScope());
    }

    private Tensor Dropout(Tensor x) => TrainingDropout.Apply(x, dropout, training);
}
