using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PLDistill.Distillation.Losses.Pad;

/// <summary>
/// The learned map from the speech width to the text width (B, T, Ds) -> (B, T, Dt) under which PAD compares speech with
/// text, as FitNets' hint layer. <see cref="PadLoss"/> owns it, so it trains and is saved with the loss.
/// </summary>
public sealed class PadProjection : Module<Tensor, Tensor>
{
    private readonly Linear linear;

    /// <summary>A projection from <paramref name="speechWidth"/> to <paramref name="textWidth"/> channels.</summary>
    public PadProjection(int speechWidth, int textWidth) : base(nameof(PadProjection))
    {
        if (speechWidth < 1 || textWidth < 1)
            throw new ArgumentException($"PAD projection widths must be at least 1 (speech {speechWidth}, text {textWidth})");
        SpeechWidth = speechWidth;
        TextWidth = textWidth;
        linear = Linear(speechWidth, textWidth);
        RegisterComponents();
    }

    /// <summary>Ds: input channels.</summary>
    public int SpeechWidth { get; }

    /// <summary>Dt: output channels.</summary>
    public int TextWidth { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => linear.forward(input);
}
