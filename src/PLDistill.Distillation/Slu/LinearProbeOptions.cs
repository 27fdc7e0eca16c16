namespace PLDistill.Distillation.Slu;

/// <summary>Training settings of a <see cref="LinearProbe"/>.</summary>
public sealed record LinearProbeOptions
{
    /// <summary>Full-batch AdamW steps (at most: with a validation set the best checked step is kept).</summary>
    public int Steps { get; init; } = 3000;

    /// <summary>Steps between validation checks, when a validation set is given.</summary>
    public int CheckEvery { get; init; } = 100;

    /// <summary>AdamW learning rate.</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>AdamW decoupled weight decay: the probe's only regulariser.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Seed of the initial weights.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public LinearProbeOptions Validate()
    {
        if (Steps is < 1 or > 1_000_000)
            throw new ArgumentException($"probe steps {Steps} must be 1 … 1000000");
        if (CheckEvery < 1)
            throw new ArgumentException($"probe check interval {CheckEvery} must be at least 1");
        if (!double.IsFinite(LearningRate) || LearningRate <= 0)
            throw new ArgumentException($"probe learning rate {LearningRate} must be a positive number");
        if (!double.IsFinite(WeightDecay) || WeightDecay < 0)
            throw new ArgumentException($"probe weight decay {WeightDecay} must be a finite number ≥ 0");
        return this;
    }
}
