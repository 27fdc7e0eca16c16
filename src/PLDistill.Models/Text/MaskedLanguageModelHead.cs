using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PLDistill.Models.Text;

/// <summary>
/// BERT's masked-language-model head with the output projection tied to the token embeddings E (V, D):
/// <code>
///   logits = LN(GELU(W h + b)) Eᵀ + c        h (N, D) -> logits (N, V)
/// </code>
/// Tying halves the parameters of a small model and lets rare words learn from both ends.
/// </summary>
public sealed class MaskedLanguageModelHead : Module
{
    private readonly TorchSharp.Modules.Linear transform;
    private readonly TorchSharp.Modules.LayerNorm norm;
    private readonly TorchSharp.Modules.Parameter outputBias;

    /// <summary>A head for <paramref name="width"/>-wide states over <paramref name="vocabularySize"/> tokens.</summary>
    public MaskedLanguageModelHead(int width, int vocabularySize) : base(nameof(MaskedLanguageModelHead))
    {
        transform = Linear(width, width);
        norm = LayerNorm(width);
        outputBias = Parameter(zeros(vocabularySize));
        RegisterComponents();
    }

    /// <summary>hidden (…, D) and the token embeddings (V, D) -> logits (…, V).</summary>
    public Tensor Predict(Tensor hidden, Tensor tokenEmbeddings)
    {
        using var scope = NewDisposeScope();
        var transformed = norm.forward(functional.gelu(transform.forward(hidden)));
        return functional.linear(transformed, tokenEmbeddings, outputBias).MoveToOuterDisposeScope();
    }
}
