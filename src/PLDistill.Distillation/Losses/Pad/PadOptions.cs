namespace PLDistill.Distillation.Losses.Pad;

/// <summary>Settings of the PAD alignment term between a speech student and a text teacher.</summary>
/// <remarks>The paper leaves ξ, the number of anchors and the prior's layers open; the defaults here are a starting point.</remarks>
public sealed record PadOptions
{
    /// <summary>The alignment term; <see cref="PadVariant.None"/> turns PAD off.</summary>
    public PadVariant Variant { get; init; } = PadVariant.None;

    /// <summary>
    /// Weight units by their significance prior (PAD); false gives the baselines: uniform weights (plain pooling, SPLAT's
    /// mean over tokens) and, for spans, evenly spaced anchors.
    /// </summary>
    public bool UsePriors { get; init; } = true;

    /// <summary>Self-attention layers whose received attention is averaged into the prior; negative counts from the end.</summary>
    public IReadOnlyList<int> PriorLayers { get; init; } = [0];

    /// <summary>K: anchor frames per clip for <see cref="PadVariant.SpanLocal"/>.</summary>
    public int Anchors { get; init; } = 8;

    /// <summary>Span widths in speech frames around each anchor: ξ/2, ξ, 2ξ with ξ = 4 by default.</summary>
    public IReadOnlyList<int> SpanWidths { get; init; } = [2, 4, 8];

    /// <summary>Weight of the PAD term in the total loss, applied by the objective that adds it.</summary>
    public double Weight { get; init; } = 1.0;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it and its value.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Variant))
            throw new ArgumentException($"PAD variant {(int)Variant} is not one of {string.Join(", ", Enum.GetNames<PadVariant>())}");
        if (!double.IsFinite(Weight) || Weight < 0)
            throw new ArgumentException($"PAD weight {Weight} must be a finite number ≥ 0");
        if (UsePriors && PriorLayers.Count == 0)
            throw new ArgumentException("PAD prior layers are empty: significance priors need at least one attention layer");
        if (Anchors < 1)
            throw new ArgumentException($"PAD anchors {Anchors} must be at least 1");
        if (SpanWidths.Count == 0)
            throw new ArgumentException("PAD span widths are empty: give at least one width in frames (e.g. 2, 4, 8)");
        foreach (int width in SpanWidths)
            if (width < 1)
                throw new ArgumentException($"PAD span width {width} must be at least 1 frame");
    }
}
