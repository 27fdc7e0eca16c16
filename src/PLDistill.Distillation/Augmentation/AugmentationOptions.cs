namespace PLDistill.Distillation.Augmentation;

/// <summary>Training-time augmentation; all of it off in evaluation.</summary>
public sealed record AugmentationOptions
{
    /// <summary>Speed-perturbation factors; each makes a full copy of the training set (1.0 = the original).</summary>
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
}

/// <summary>Which speed-perturbed copies of a clip an epoch trains on.</summary>
public enum SpeedCopies
{
    /// <summary>Every copy, every epoch.</summary>
    All,

    /// <summary>One copy per clip per epoch, drawn uniformly.</summary>
    OnePerEpoch,
}
