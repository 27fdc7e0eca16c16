using PLDistill.Models.Features;

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
    /// The streaming windows, in seconds, this model can serve with <paramref name="features"/>: exactly its trained window
    /// for a windowed LM (<see cref="LanguageModelConfig.AudioWindow"/>); for a full-context LM, from 0.5 s to what its
    /// position table holds besides the prompt. Training checks its <c>streaming.window_seconds</c> against this, and
    /// the streaming engine serves no other.
    /// </summary>
    public (double Shortest, double Longest) ServableWindowSeconds(LogMelOptions features)
    {
        double tokensPerSecond = features.FramesPerSecond / Encoder.Subsampling;
        if (LanguageModel.AudioWindow is int trained)
            return (trained / tokensPerSecond, trained / tokensPerSecond);
        int promptPositions = TextVocabulary.DefaultPrefix.Count + TextVocabulary.DefaultSuffix.Count;
        return (0.5, (LanguageModel.MaxPositions - promptPositions) / tokensPerSecond);
    }

    /// <summary>
    /// A lower bound on the model's parameter count, computed without building it: the weight matrices of every
    /// transformer block, the projector, the LM's embeddings and its output head (biases, norms and the convolutional front
    /// end are left out). A checkpoint must store at least this many values, so a file whose metadata claims a model
    /// far larger than its weights is refused before the model is built (building allocates and initialises it all).
    /// In double precision: a hostile width must not overflow the bound into something small.
    /// </summary>
    public double MinimumParameterCount(int vocabularySize)
    {
        static double Blocks(int layers, int width, int feedForwardMultiplier) =>
            (double)layers * (4 + 2.0 * feedForwardMultiplier) * width * width;   // attention in/out 4w², feed-forward 2mw²
        double lm = LanguageModel.Width;
        return Blocks(Encoder.Layers, Encoder.Width, Encoder.FeedForwardMultiplier)
               + (double)Encoder.Width * lm
               + Blocks(LanguageModel.Layers, LanguageModel.Width, LanguageModel.FeedForwardMultiplier)
               + (2.0 * vocabularySize + LanguageModel.MaxPositions) * lm;
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
