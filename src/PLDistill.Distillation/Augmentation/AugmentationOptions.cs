namespace PLDistill.Distillation.Augmentation;

/// <summary>Training-time augmentation; all of it off in evaluation.</summary>
public sealed record AugmentationOptions
{
    /// <summary>Speed-perturbation factors; each makes a full copy of the training set (1.0 = the original, which must be one).</summary>
    public IReadOnlyList<double> Speeds { get; init; } = [0.9, 1.0, 1.1];

    /// <summary>
    /// How the speed copies enter an epoch: every copy (an epoch is |speeds| passes over the clips), or one copy of each
    /// clip drawn at random (an epoch is one pass; the same variety at a third of the cost).
    /// </summary>
    public SpeedCopies SpeedCopies { get; init; } = SpeedCopies.All;

    /// <summary>SpecAugment: number of frequency masks per clip.</summary>
    public int FrequencyMasks { get; init; } = 2;

    /// <summary>SpecAugment: widest frequency mask in mel bands.</summary>
    public int FrequencyMaskWidth { get; init; } = 12;

    /// <summary>SpecAugment: number of time masks per clip.</summary>
    public int TimeMasks { get; init; } = 2;

    /// <summary>SpecAugment: longest time mask in frames.</summary>
    public int TimeMaskWidth { get; init; } = 30;

    /// <summary>Probability that a clip gets additive noise.</summary>
    public double NoiseProbability { get; init; } = 0.5;

    /// <summary>Lowest signal-to-noise ratio of added noise, dB.</summary>
    public double NoiseMinSnrDb { get; init; } = 10;

    /// <summary>Highest signal-to-noise ratio of added noise, dB.</summary>
    public double NoiseMaxSnrDb { get; init; } = 30;

    /// <summary>No augmentation at all.</summary>
    public static AugmentationOptions None => new() { Speeds = [1.0], FrequencyMasks = 0, TimeMasks = 0, NoiseProbability = 0 };

    /// <summary>Throws <see cref="ArgumentException"/> naming the config key (<c>augmentation.*</c>) of the first bad setting.</summary>
    internal void Validate()
    {
        // Negated comparisons, so that NaN fails them; IsFinite where there is no upper bound.
        if (Speeds.Count == 0 || Speeds.Any(speed => !(speed >= 0.5 && speed <= 2.0)))
            throw new ArgumentException($"augmentation.speeds: give factors between 0.5 and 2.0, not [{string.Join(", ", Speeds)}]");
        // The trainer normalises features with statistics over the unperturbed (speed 1.0) training copies.
        if (!Speeds.Contains(1.0))
            throw new ArgumentException($"augmentation.speeds must include 1.0 (feature statistics come from the unperturbed clips), not [{string.Join(", ", Speeds)}]");
        if (!(NoiseProbability >= 0 && NoiseProbability <= 1))
            throw new ArgumentException($"augmentation.noise_probability must be in [0, 1], not {NoiseProbability}");
        if (!double.IsFinite(NoiseMinSnrDb))
            throw new ArgumentException($"augmentation.noise_min_snr_db must be a finite number, not {NoiseMinSnrDb}");
        if (!(double.IsFinite(NoiseMaxSnrDb) && NoiseMaxSnrDb >= NoiseMinSnrDb))
            throw new ArgumentException($"augmentation.noise_max_snr_db must be a finite number >= noise_min_snr_db ({NoiseMinSnrDb}), not {NoiseMaxSnrDb}");
    }
}

/// <summary>Which speed-perturbed copies of a clip an epoch trains on.</summary>
public enum SpeedCopies
{
    /// <summary>Every copy, every epoch.</summary>
    All,

    /// <summary>One copy per clip per epoch, drawn uniformly.</summary>
    OnePerEpoch,
}
