using PLDistill.Models.Text;

namespace PLDistill.Distillation.TextTeacher;

/// <summary>Settings of <see cref="MaskedLanguageModelTrainer"/>; immutable, validated by <see cref="Validate"/>.</summary>
public sealed record MaskedLanguageModelOptions
{
    /// <summary>The encoder's shape; its <see cref="TextEncoderConfig.VocabularySize"/> is replaced by the built tokenizer's.</summary>
    public TextEncoderConfig Encoder { get; init; } = new();

    /// <summary>Passes over the training sentences.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Sentences per optimiser step.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Peak learning rate η, reached after warm-up, then cosine decay to a tenth of it.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>AdamW's decoupled weight decay λ.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Fraction of all steps spent warming the learning rate up linearly from 0.</summary>
    public double WarmupFraction { get; init; } = 0.06;

    /// <summary>Fraction of words chosen as prediction targets (BERT: 0.15).</summary>
    public double MaskProbability { get; init; } = 0.15;

    /// <summary>Fraction of sentences held out (never trained on) for masked-word accuracy and perplexity.</summary>
    public double HeldOutFraction { get; init; } = 0.05;

    /// <summary>Words seen fewer times in the training sentences become [UNK].</summary>
    public int MinFrequency { get; init; } = 2;

    /// <summary>Seed of the held-out split, the initial weights, the batch order and the masks.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>This, checked.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public MaskedLanguageModelOptions Validate()
    {
        ArgumentNullException.ThrowIfNull(Encoder);
        if (Epochs < 1 || BatchSize < 1 || MinFrequency < 1)
            throw new ArgumentException($"Epochs {Epochs}, BatchSize {BatchSize} and MinFrequency {MinFrequency} must be at least 1");
        if (!(LearningRate > 0) || WeightDecay < 0)
            throw new ArgumentException($"LearningRate {LearningRate} must be positive and WeightDecay {WeightDecay} not negative");
        if (WarmupFraction is < 0 or >= 1 || MaskProbability is <= 0 or > 1 || HeldOutFraction is <= 0 or >= 1)
            throw new ArgumentException($"WarmupFraction {WarmupFraction} must lie in [0, 1), MaskProbability {MaskProbability} in (0, 1] and HeldOutFraction {HeldOutFraction} in (0, 1)");
        return this;
    }
}
