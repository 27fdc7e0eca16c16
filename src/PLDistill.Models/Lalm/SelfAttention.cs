using PLDistill.Models.Runtime;
using static TorchSharp.torch;
using static PLDistill.Models.Runtime.FinalizerFreeOperations;
using static TorchSharp.torch.nn;

namespace PLDistill.Models.Lalm;

/// <summary>
/// Multi-head self-attention, softmax(QKᵀ/√d + bias + mask)V, that can also attend over cached keys and values
/// from earlier steps of a stream, and can hand back its attention weights (PL-Distill weights time steps by them).
/// </summary>
public sealed class SelfAttention : Module
{
    private readonly TorchSharp.Modules.Linear queryKeyValue, output;
    private readonly int heads, headWidth;
    private readonly double dropout;

    /// <summary>Attention over <paramref name="width"/> features split into <paramref name="heads"/> heads.</summary>
    public SelfAttention(int width, int heads, double dropout) : base(nameof(SelfAttention))
    {
        this.heads = heads;
        headWidth = width / heads;
        this.dropout = dropout;
        queryKeyValue = Linear(width, 3 * width);
        output = Linear(width, width);
        RegisterComponents();
    }

    /// <summary>
    /// x (B, Tq, D) attends to [pastKeys; keys(x)]. <paramref name="scoreOffset"/>, added to the scores, broadcasts to
    /// (B, H, Tq, Tk): a mask (0 for allowed, a large negative value for blocked pairs) plus any position bias, which the
    /// caller adds to each other once for all its blocks.
    /// Returns the output (B, Tq, D), the keys and values of x (B, H, Tq, d) for a cache, and the weights if asked.
    /// </summary>
    /// <remarks>
    /// With <paramref name="lastQueries"/> = k only the last k rows of x ask: every row still gives its key and value,
    /// the output is (B, k, D), and the score offset keeps its full (…, Tq, Tk) shape (its last k query rows are read).
    /// </remarks>
    public AttentionResult Attend(Tensor x, Tensor scoreOffset,
                                  Tensor? pastKeys = null, Tensor? pastValues = null, bool returnWeights = false, int? lastQueries = null)
    {
        using var scope = NewDisposeScope();
        long batch = x.size(0), steps = x.size(1);
        var qkv = queryKeyValue.forward(x).view(batch, steps, 3, heads, headWidth).permute(2, 0, 3, 1, 4); // (3, B, H, Tq, d)
        Tensor query = qkv[0], key = qkv[1], value = qkv[2];
        if (lastQueries is int k)
        {
            long first = steps - k;
            query = query.narrow(2, first, k);
            scoreOffset = scoreOffset.narrow(-2, first, k);
            steps = k;
        }
        Tensor allKeys = pastKeys is null ? key : Concatenate([pastKeys, key], 2);                               // (B, H, Tk, d)
        Tensor allValues = pastValues is null ? value : Concatenate([pastValues, value], 2);

        Tensor mixed;                                                                                          // (B, H, Tq, d)
        Tensor? weights = null;
        if (returnWeights || (training && dropout > 0))
        {
            var scores = query.matmul(allKeys.transpose(-2, -1)).Times(1.0 / Math.Sqrt(headWidth));          // (B, H, Tq, Tk)
            weights = scores.Plus(scoreOffset).softmax(-1);
            mixed = Dropout(weights).matmul(allValues);
        }
        else
        {
            // The same softmax(QKᵀ/√d + offset)V as one fused kernel where nobody reads the weights: one operation and
            // one output instead of five (libtorch also has faster fused kernels for it on CUDA).
            mixed = functional.scaled_dot_product_attention(query, allKeys, allValues, scoreOffset);
        }
        var y = output.forward(mixed.transpose(1, 2).reshape(batch, steps, heads * headWidth));            // (B, Tq, D)

        return new AttentionResult(
            y.MoveToOuterDisposeScope(),
            key.MoveToOuterDisposeScope(),     // views into the projection; a cache that keeps them copies what it keeps
            value.MoveToOuterDisposeScope(),
            returnWeights ? weights!.MoveToOuterDisposeScope() : null);
    }

    private Tensor Dropout(Tensor x) => TrainingDropout.Apply(x, dropout, training);
}

/// <summary>What <see cref="SelfAttention.Attend"/> returns; the caller disposes the tensors.</summary>
/// <param name="Output">(B, Tq, D)</param>
/// <param name="Keys">Keys of the new steps (B, H, Tq, d)</param>
/// <param name="Values">Values of the new steps (B, H, Tq, d)</param>
/// <param name="Weights">Attention weights (B, H, Tq, Tk) when asked for</param>
public sealed record AttentionResult(Tensor Output, Tensor Keys, Tensor Values, Tensor? Weights) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Output.Dispose();
        Keys.Dispose();
        Values.Dispose();
        Weights?.Dispose();
    }
}
