namespace PLDistill.Models.Lalm;

/// <summary>Shape of the decoder-only language model that reads [prompt; audio embeddings; suffix].</summary>
public sealed record LanguageModelConfig
{
    /// <summary>Model width; also the projector's output width (the audio embeddings PDist aligns).</summary>
    public int Width { get; init; } = 128;

    /// <summary>Transformer blocks.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Attention heads.</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Feed-forward width as a multiple of <see cref="Width"/>.</summary>
    public int FeedForwardMultiplier { get; init; } = 4;

    /// <summary>Longest sequence (prompt + audio + suffix) the learned positions cover.</summary>
    public int MaxPositions { get; init; } = 320;

    /// <summary>
    /// Audio tokens each audio and answer position may attend to (the last W, itself included), with relative positions
    /// among audio and answer tokens; null: full causal attention with learned absolute positions (the teacher). A window
    /// makes the LM streamable: each audio token's keys and values never change once computed, so a live stream runs
    /// only its new tokens and the answer through the LM each hop (<see cref="LanguageModel.Step"/>).
    /// </summary>
    public int? AudioWindow { get; init; }

    /// <summary>Whether the LM can run incrementally (it has an <see cref="AudioWindow"/>).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsStreamable => AudioWindow is not null;

    /// <summary>Dropout in training.</summary>
    public double Dropout { get; init; } = 0.1;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad field.</summary>
    public LanguageModelConfig Validate()
    {
        EncoderConfig.Require(Width >= 8 && Heads >= 1 && Width % Heads == 0, nameof(Width), Width, "must be >= 8 and divisible by Heads");
        EncoderConfig.Require(Layers is >= 1 and <= 64, nameof(Layers), Layers);
        EncoderConfig.Require(FeedForwardMultiplier is >= 1 and <= 16, nameof(FeedForwardMultiplier), FeedForwardMultiplier);
        EncoderConfig.Require(MaxPositions is >= 16 and <= 65536, nameof(MaxPositions), MaxPositions);
        EncoderConfig.Require(Dropout is >= 0 and < 1, nameof(Dropout), Dropout);
        EncoderConfig.Require(AudioWindow is null or (>= 1 and <= 4096), nameof(AudioWindow), AudioWindow ?? 0);
        return this;
    }
}
