using static TorchSharp.torch;

namespace PLDistill.Models.Lalm;

/// <summary>
/// Everything distillation and inference read from one forward pass. Sequence layout (S = P + Ta + Q):
/// prefix text at [0, P), audio at [P, P + Ta), suffix text at [P + Ta, S); the answer is predicted at S − 1.
/// </summary>
public sealed class LalmOutput : IDisposable
{
    /// <summary>
    /// An output from its parts; a forward pass makes one, and distillation assembles a teacher's from stored outputs.
    /// The output owns the tensors.
    /// </summary>
    public LalmOutput(Tensor projected, Tensor audioLengths, Tensor logits, IReadOnlyList<Tensor> attention, int prefixLength, int suffixLength)
    {
        Projected = projected;
        AudioLengths = audioLengths;
        Logits = logits;
        Attention = attention;
        PrefixLength = prefixLength;
        SuffixLength = suffixLength;
    }

    /// <summary>Projector outputs, the audio embeddings fed to the LM (B, Ta, D_lm): what PDist aligns.</summary>
    public Tensor Projected { get; }

    /// <summary>Valid audio steps per clip (B).</summary>
    public Tensor AudioLengths { get; }

    /// <summary>Next-token logits at every position (B, S, V).</summary>
    public Tensor Logits { get; }

    /// <summary>Per LM layer attention weights (B, H, S, S); empty unless asked for.</summary>
    public IReadOnlyList<Tensor> Attention { get; }

    /// <summary>P: prompt tokens before the audio.</summary>
    public int PrefixLength { get; }

    /// <summary>Q: prompt tokens after the audio.</summary>
    public int SuffixLength { get; }

    /// <summary>Ta: audio steps (padded).</summary>
    public long AudioSteps => Projected.size(1);

    /// <summary>Logits at the answer position (B, V).</summary>
    public Tensor AnswerLogits => Logits.select(1, Logits.size(1) - 1);

    /// <inheritdoc />
    public void Dispose()
    {
        Projected.Dispose();
        AudioLengths.Dispose();
        Logits.Dispose();
        foreach (var a in Attention)
            a.Dispose();
    }
}
