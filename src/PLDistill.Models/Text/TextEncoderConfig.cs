namespace PLDistill.Models.Text;

/// <summary>The shape of a <see cref="TextEncoder"/>; immutable, validated by <see cref="Validate"/>.</summary>
public sealed record TextEncoderConfig
{
    /// <summary>V: tokens in the vocabulary, special tokens included.</summary>
    public int VocabularySize { get; init; }

    /// <summary>D: the width of every token vector.</summary>
    public int Width { get; init; } = 128;

    /// <summary>L: transformer blocks.</summary>
    public int Layers { get; init; } = 4;

    /// <summary>H: attention heads per block; must divide <see cref="Width"/>.</summary>
    public int Heads { get; init; } = 4;

    /// <summary>The feed-forward layer's width as a multiple of <see cref="Width"/>.</summary>
    public int FeedForwardMultiplier { get; init; } = 4;

    /// <summary>The longest input, [CLS] and [SEP] included (learned absolute positions).</summary>
    public int MaxPositions { get; init; } = 64;

    /// <summary>Dropout on embeddings, attention weights and residual branches while training.</summary>
    public double Dropout { get; init; } = 0.1;

    /// <summary>This config, checked.</summary>
    /// <exception cref="ArgumentException">A size is out of range, or the heads do not divide the width.</exception>
    public TextEncoderConfig Validate()
    {
        if (VocabularySize < 6)
            throw new ArgumentException($"VocabularySize {VocabularySize} must be at least 6 (5 special tokens and a word)");
        if (Width < 1 || Layers < 1 || Heads < 1 || FeedForwardMultiplier < 1 || MaxPositions < 2)
            throw new ArgumentException($"Width {Width}, Layers {Layers}, Heads {Heads}, FeedForwardMultiplier {FeedForwardMultiplier} must be at least 1 and MaxPositions {MaxPositions} at least 2");
        if (Width % Heads != 0)
            throw new ArgumentException($"Heads {Heads} must divide Width {Width}");
        if (Dropout is < 0 or >= 1)
            throw new ArgumentException($"Dropout {Dropout} must lie in [0, 1)");
        return this;
    }
}
