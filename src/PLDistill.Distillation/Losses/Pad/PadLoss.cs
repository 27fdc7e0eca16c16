using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PLDistill.Distillation.Losses.Pad;

/// <summary>
/// The PAD term (Ni et al., ICASSP 2023, arXiv 2303.03600) between a speech student and a frozen text teacher, averaged
/// over the batch:
/// <code>
///   PAD-Glob    L1(Σ_i p_i P(s_i), Σ_j q_j t_j)                          (<see cref="GlobalAlignment"/>)
///   PAD-TLocal  −Σ_j q_j max_i cos(P(s_i), t_j)                         (<see cref="TokenLocalAlignment"/>)
///   PAD-SLocal  −Σ_j q_j max_{k,w} cos(mean_{σ_{k,w}} P(s), t_j)         (<see cref="SpanLocalAlignment"/>)
/// </code>
/// p, q are the significance priors of each side (<see cref="SignificancePrior"/>) and P the learned
/// <see cref="PadProjection"/>, which this module owns: its parameters are this module's, for the optimiser and the
/// checkpoint. Without priors, p and q are uniform (global pooling; SPLAT's local loss) and span anchors are evenly spaced.
/// Projecting frames before pooling equals projecting the pooled vector (P is affine and Σp = 1), so every variant
/// projects frames. The text side and both priors carry no gradient; the speech features and P do.
/// </summary>
public sealed class PadLoss : Module
{
    private readonly PadProjection projection;

    /// <summary>A PAD term for speech features of width <paramref name="speechWidth"/> and text of <paramref name="textWidth"/>.</summary>
    /// <exception cref="ArgumentException">Invalid options, <see cref="PadVariant.None"/>, or a width below 1.</exception>
    public PadLoss(PadOptions options, int speechWidth, int textWidth) : base(nameof(PadLoss))
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Variant == PadVariant.None)
            throw new ArgumentException("PAD variant None has no loss to compute; choose Global, TokenLocal or SpanLocal");
        Options = options;
        projection = new PadProjection(speechWidth, textWidth);
        RegisterComponents();
    }

    /// <summary>The validated settings.</summary>
    public PadOptions Options { get; }

    /// <summary>The speech-to-text projection P.</summary>
    public PadProjection Projection => projection;

    /// <summary>The unweighted loss (scalar); <see cref="PadOptions.Weight"/> is for the objective that adds it.</summary>
    /// <exception cref="ArgumentException">Shapes disagree, or priors are on and a side lacks a chosen attention layer.</exception>
    public Tensor Compute(PadSequence speech, PadSequence text)
    {
        ArgumentNullException.ThrowIfNull(speech);
        ArgumentNullException.ThrowIfNull(text);
        Check(speech, "speech", projection.SpeechWidth);
        Check(text, "text", projection.TextWidth);
        if (speech.Features.size(0) != text.Features.size(0))
            throw new ArgumentException($"PAD batch sizes differ: speech has {speech.Features.size(0)} clips, text {text.Features.size(0)}");

        using var scope = NewDisposeScope();
        var speechPrior = Prior(speech, "speech");                                               // (B, Ts)
        var textPrior = Prior(text, "text");                                                     // (B, Tt)
        var projected = projection.forward(speech.Features);                                    // (B, Ts, Dt)
        var target = text.Features.detach();                                                     // (B, Tt, Dt)
        var perClip = Options.Variant switch
        {
            PadVariant.Global => GlobalAlignment.Compute(projected, speechPrior, target, textPrior),
            PadVariant.TokenLocal => TokenLocalAlignment.Compute(projected, speech.Lengths, target, textPrior),
            _ => SpanLocalAlignment.Compute(projected, speech.Lengths, Anchors(speech, speechPrior), target, textPrior, Options.SpanWidths),
        };
        return perClip.mean().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A retrieval embedding per clip (B, Dt): the speech units projected by P and averaged with their significance prior
    /// (uniform without priors) — the pooled vector PAD-Glob aligns. No gradient is needed; the caller decides.
    /// </summary>
    public Tensor PoolSpeech(PadSequence speech)
    {
        ArgumentNullException.ThrowIfNull(speech);
        Check(speech, "speech", projection.SpeechWidth);
        using var scope = NewDisposeScope();
        return GlobalAlignment.Pool(projection.forward(speech.Features), Prior(speech, "speech")).MoveToOuterDisposeScope();
    }

    /// <summary>A retrieval embedding per clip (B, Dt): the text features averaged with their significance prior (uniform without priors).</summary>
    public Tensor PoolText(PadSequence text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Check(text, "text", projection.TextWidth);
        using var scope = NewDisposeScope();
        return GlobalAlignment.Pool(text.Features.detach(), Prior(text, "text")).MoveToOuterDisposeScope();
    }

    private Tensor Prior(PadSequence side, string name)
    {
        if (!Options.UsePriors)
            return SignificancePrior.Uniform(side.Lengths, side.Steps);
        int layers = side.Attention.Count;
        var chosen = new List<Tensor>();
        foreach (int requested in Options.PriorLayers)
        {
            int layer = requested < 0 ? layers + requested : requested;
            if (layer < 0 || layer >= layers)
                throw new ArgumentException($"PAD prior layer {requested} is out of range: the {name} side has {layers} attention maps");
            chosen.Add(side.Attention[layer]);
        }
        if (chosen[0].dim() != 4 || chosen[0].size(3) != side.Steps)
            throw new ArgumentException($"PAD {name} attention ({string.Join(", ", chosen[0].shape)}) must be (B, H, T, T) with T = {side.Steps} units");
        return SignificancePrior.FromAttention(chosen, side.Lengths);
    }

    private Tensor Anchors(PadSequence speech, Tensor speechPrior) => Options.UsePriors
        ? SpanAnchors.MostSignificant(speechPrior, speech.Lengths, Options.Anchors)
        : SpanAnchors.EvenlySpaced(speech.Lengths, speech.Steps, Options.Anchors);

    private static void Check(PadSequence side, string name, int width)
    {
        var shape = side.Features.shape;
        if (shape.Length != 3)
            throw new ArgumentException($"PAD {name} features ({string.Join(", ", shape)}) must be (B, T, D)");
        if (shape[2] != width)
            throw new ArgumentException($"PAD {name} width {shape[2]} does not match the projection's {name} width {width}");
        if (side.Lengths.dim() != 1 || side.Lengths.size(0) != shape[0])
            throw new ArgumentException($"PAD {name} lengths ({string.Join(", ", side.Lengths.shape)}) must be one per clip ({shape[0]})");
    }
}
