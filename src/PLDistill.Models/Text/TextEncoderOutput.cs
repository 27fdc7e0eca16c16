using static TorchSharp.torch;

namespace PLDistill.Models.Text;

/// <summary>What <see cref="TextEncoder.Forward"/> returns; the caller disposes it.</summary>
/// <param name="Hidden">The final hidden states (B, T, D): the last block's output after the final LayerNorm.</param>
/// <param name="HiddenStates">L + 1 tensors (B, T, D): entry 0 the embeddings, entry l &lt; L the residual stream after block
/// l, entry L the same tensor as <paramref name="Hidden"/> (so "layer L" means what the MLM head reads, as in BERT).</param>
/// <param name="Attention">L tensors (B, H, T, T): each block's softmax weights, [b, h, i, j] query i's weight on key j;
/// padded keys get weight 0.</param>
public sealed record TextEncoderOutput(Tensor Hidden, IReadOnlyList<Tensor> HiddenStates, IReadOnlyList<Tensor> Attention) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var state in HiddenStates)
            state.Dispose();
        Hidden.Dispose();
        foreach (var map in Attention)
            map.Dispose();
    }
}
