using PLDistill.Audio.Data;
using PLDistill.Models.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PLDistill.Models.Lalm;

/// <summary>
/// The audio-language model of PL-Distill, in miniature: audio encoder -> projector -> language model that answers
/// "what emotion does the speaker express?" with one emotion word. Teacher and student share this class and differ in
/// <see cref="LalmConfig"/>.
/// </summary>
public sealed class AudioLanguageModel : Module
{
    private readonly AudioEncoder encoder;
    private readonly TorchSharp.Modules.Linear projector;
    private readonly LanguageModel languageModel;
    private readonly Tensor prefixIds, suffixIds;

    /// <summary>A freshly initialised model.</summary>
    public AudioLanguageModel(LalmConfig config, TextVocabulary? vocabulary = null) : base(nameof(AudioLanguageModel))
    {
        Config = config.Validate();
        Vocabulary = vocabulary ?? TextVocabulary.Default;
        encoder = new AudioEncoder(config.Encoder);
        projector = Linear(config.Encoder.Width, config.LanguageModel.Width);
        languageModel = new LanguageModel(config.LanguageModel, Vocabulary.Count);
        prefixIds = tensor(Vocabulary.Ids(TextVocabulary.DefaultPrefix));
        suffixIds = tensor(Vocabulary.Ids(TextVocabulary.DefaultSuffix));
        register_buffer(nameof(prefixIds), prefixIds, persistent: false);
        register_buffer(nameof(suffixIds), suffixIds, persistent: false);
        RegisterComponents();
    }

    /// <summary>The shape.</summary>
    public LalmConfig Config { get; }

    /// <summary>The shared text vocabulary.</summary>
    public TextVocabulary Vocabulary { get; }

    /// <summary>The audio encoder.</summary>
    public AudioEncoder Encoder => encoder;

    /// <summary>The projector: encoder width -> LM width.</summary>
    public TorchSharp.Modules.Linear Projector => projector;

    /// <summary>The language model.</summary>
    public LanguageModel LanguageModel => languageModel;

    /// <summary>The prompt's token ids before the audio (P).</summary>
    public Tensor PromptPrefixIds => prefixIds;

    /// <summary>The prompt's token ids after the audio (Q); the answer follows the last.</summary>
    public Tensor PromptSuffixIds => suffixIds;

    /// <summary>Trainable parameter count.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>The number type the weights, and so every activation, are in now.</summary>
    public InferencePrecision Precision => encoder.Precision;

    /// <summary>
    /// Converts the weights to <paramref name="precision"/> for inference (features may still arrive as float32: the
    /// encoder converts them; class logits leave as float32). Returns this model.
    /// </summary>
    /// <exception cref="InvalidOperationException">A reduced precision was asked of a model in training mode: training runs in float32.</exception>
    public AudioLanguageModel UsePrecision(InferencePrecision precision)
    {
        if (precision != InferencePrecision.Float32 && training)
            throw new InvalidOperationException($"{precision} is for inference; call eval() first (training runs in float32)");
        if (precision != Precision)
            this.to(precision.ScalarType());
        return this;
    }

    /// <summary>mel (B, T, M), lengths (B) in mel frames -> projector outputs, logits and (optionally) LM attention.</summary>
    public LalmOutput Forward(Tensor mel, Tensor melLengths, bool returnAttention = false)
    {
        using var scope = NewDisposeScope();
        var (frames, lengths) = encoder.Forward(mel, melLengths);
        var projected = projector.forward(frames);                                                 // (B, Ta, D_lm)
        var (logits, attention) = Answer(projected, lengths, returnAttention);
        var output = new LalmOutput(projected.MoveToOuterDisposeScope(), lengths.MoveToOuterDisposeScope(),
            logits.MoveToOuterDisposeScope(), attention.Select(a => a.MoveToOuterDisposeScope()).ToArray(),
            (int)prefixIds.size(0), (int)suffixIds.size(0));
        return output;
    }

    /// <summary>
    /// mel (B, T, M), lengths (B) -> the answer's logits (B, V): <see cref="Forward"/>'s <see cref="LalmOutput.AnswerLogits"/>
    /// without what only distillation reads (every position's logits, attention), for inference and evaluation.
    /// </summary>
    public Tensor AnswerLogits(Tensor mel, Tensor melLengths)
    {
        using var scope = NewDisposeScope();
        var (frames, lengths) = encoder.Forward(mel, melLengths);
        return languageModel.AnswerLogits(prefixIds, projector.forward(frames), lengths, suffixIds).MoveToOuterDisposeScope();
    }

    /// <summary>Runs the LM over already projected audio (B, Ta, D) — the streaming engine's path from its cache.</summary>
    public (Tensor Logits, IReadOnlyList<Tensor> Attention) Answer(Tensor projected, Tensor audioLengths, bool returnAttention = false) =>
        languageModel.Forward(prefixIds, projected, audioLengths, suffixIds, returnAttention);

    /// <summary>The prompt's keys and values for <see cref="AnswerStep"/>, shared by every stream; streaming students only.</summary>
    public KeyValueCache EncodeAnswerPrompt() => languageModel.EncodePrompt(prefixIds);

    /// <summary>A fresh per-stream LM state for <see cref="AnswerStep"/>; streaming students only.</summary>
    public LanguageModelStreamState CreateAnswerStreamState() => languageModel.CreateStreamState();

    /// <summary>
    /// Continues many streams' LM with their next projected audio (n_b, D) and returns the answer logits (B, V) over the
    /// prompt and the last window — per stream, what <see cref="Forward"/> gives for the whole stream so far.
    /// </summary>
    public Tensor AnswerStep(IReadOnlyList<Tensor> projected, KeyValueCache prompt, IReadOnlyList<LanguageModelStreamState> states) =>
        languageModel.Step(projected, suffixIds, prompt, states);

    /// <summary>
    /// Class logits (B, C): the answer logits of the label set's words, in class order, as float32 whatever precision
    /// the model runs in (callers read them as float32 and take softmax over only C values).
    /// </summary>
    public Tensor ClassLogits(Tensor answerLogits, EmotionLabelSet labels)
    {
        using var ids = tensor(Vocabulary.AnswerIds(labels), device: answerLogits.device);
        var classes = answerLogits.index_select(1, ids);
        if (classes.dtype == ScalarType.Float32)
            return classes;
        using (classes)
            return classes.to(ScalarType.Float32);
    }
}
