using PLDistill.Distillation.Losses.Pad;

namespace PLDistill.Distillation.Pad;

/// <summary>Settings of a PAD alignment run of the speech student against the text teacher's outputs.</summary>
public sealed record PadTrainingOptions
{
    /// <summary>The PAD term (variant, priors, prior layers, anchors, span widths); its variant must not be None.</summary>
    public PadOptions Loss { get; init; } = new() { Variant = PadVariant.Global };

    /// <summary>Passes over the training split.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Seed of the projection's initial weights and of the batch order.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Utterances per step.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>AdamW learning rate (constant).</summary>
    public double LearningRate { get; init; } = 3e-4;

    /// <summary>AdamW decoupled weight decay.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Largest global gradient norm per step.</summary>
    public double GradClip { get; init; } = 1.0;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it and its value.</exception>
    public PadTrainingOptions Validate()
    {
        ArgumentNullException.ThrowIfNull(Loss);
        Loss.Validate();
        if (Loss.Variant == PadVariant.None)
            throw new ArgumentException("PAD training needs a variant: global, token-local or span-local");
        if (Epochs is < 0 or > 10_000)
            throw new ArgumentException($"PAD epochs {Epochs} must be 0 … 10000");
        if (BatchSize < 1)
            throw new ArgumentException($"PAD batch size {BatchSize} must be at least 1");
        if (!double.IsFinite(LearningRate) || LearningRate <= 0)
            throw new ArgumentException($"PAD learning rate {LearningRate} must be a positive number");
        if (!double.IsFinite(WeightDecay) || WeightDecay < 0)
            throw new ArgumentException($"PAD weight decay {WeightDecay} must be a finite number ≥ 0");
        if (!double.IsFinite(GradClip) || GradClip <= 0)
            throw new ArgumentException($"PAD gradient clip {GradClip} must be a positive number");
        return this;
    }
}
