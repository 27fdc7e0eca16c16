namespace PLDistill.Distillation.Losses;

/// <summary>Settings of LDist, the logit distillation at audio and text positions.</summary>
public sealed record LDistOptions
{
    /// <summary>Softmax temperature τ; the loss is scaled by τ² so gradients keep their size.</summary>
    public double Temperature { get; init; } = 2.0;

    /// <summary>Weight of the KL at audio positions.</summary>
    public double AudioWeight { get; init; } = 1.0;

    /// <summary>Weight of the KL at text positions after the audio (including the answer position).</summary>
    public double TextWeight { get; init; } = 1.0;
}
