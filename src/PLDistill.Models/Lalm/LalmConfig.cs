namespace PLDistill.Models.Lalm;

/// <summary>An audio-language model: audio encoder -> projector -> language model.</summary>
public sealed record LalmConfig
{
    /// <summary>The audio encoder.</summary>
    public EncoderConfig Encoder { get; init; } = new();

    /// <summary>The language model; its width is the projector's output width.</summary>
    public LanguageModelConfig LanguageModel { get; init; } = new();

    /// <summary>Validates both parts.</summary>
    public LalmConfig Validate()
    {
        Encoder.Validate();
        LanguageModel.Validate();
        return this;
    }

    /// <summary>
    /// The default streaming student (~1.1M parameters): causal sliding-window encoder, and an LM whose answer reads the
    /// last 75 audio tokens (3 s at 25 tokens/s) with relative positions, so both run incrementally on a live stream.
    /// </summary>
    public static LalmConfig Student => new() { LanguageModel = new LanguageModelConfig { AudioWindow = 75 } };

    /// <summary>The default teacher: same design, wider and deeper, full-context encoder (~8x the student).</summary>
    public static LalmConfig Teacher => new()
    {
        Encoder = new EncoderConfig { Width = 256, Layers = 7, Heads = 8, LeftContextFrames = null },
        LanguageModel = new LanguageModelConfig { Width = 256, Layers = 3, Heads = 8 },
    };
}
