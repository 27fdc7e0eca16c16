namespace PLDistill.Distillation.Losses.Pad;

/// <summary>Which PAD alignment term (arXiv 2303.03600) is trained.</summary>
public enum PadVariant
{
    /// <summary>No PAD term.</summary>
    None,
    /// <summary>PAD-Glob: L1 between pooled speech and pooled text (plain global pooling without priors).</summary>
    Global,
    /// <summary>PAD-TLocal: each text token matched to its best speech frame (SPLAT-style local loss without priors).</summary>
    TokenLocal,
    /// <summary>PAD-SLocal: each text token matched to its best span around the most significant speech frames.</summary>
    SpanLocal,
}
