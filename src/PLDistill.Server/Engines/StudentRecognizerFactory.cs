using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using PLDistill.Streaming.Inference;
using static TorchSharp.torch;

namespace PLDistill.Server.Engines;

/// <summary>
/// Incremental <see cref="StreamingStudent"/> recognizers over one student model. Every recognizer made here shares the
/// model's weights; their forward passes are serialised on one lock, so engines of different hop/window settings never
/// run the same modules at once (on a CPU they would only compete for the same cores anyway).
/// </summary>
public sealed class StudentRecognizerFactory : IRecognizerFactory
{
    private readonly AudioLanguageModel model;
    private readonly LogMelOptions features;
    private readonly Device device;
    private readonly Lock forward = new();

    /// <summary>Recognizers of <paramref name="model"/> on <paramref name="device"/>.</summary>
    public StudentRecognizerFactory(AudioLanguageModel model, LogMelOptions features, StreamingParameters defaults, EmotionLabelSet labels,
                                    Device device, string description)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(features);
        this.model = model;
        this.features = features;
        this.device = device;
        Defaults = defaults;
        Labels = labels;
        Description = description;
        (MinWindowSeconds, MaxWindowSeconds) = StreamingStudent.ServableWindowSeconds(model, features);
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public int SampleRate => features.SampleRate;

    /// <inheritdoc />
    public StreamingParameters Defaults { get; }

    /// <inheritdoc />
    public EmotionLabelSet Labels { get; }

    /// <inheritdoc />
    public double MinWindowSeconds { get; }

    /// <inheritdoc />
    public double MaxWindowSeconds { get; }

    /// <inheritdoc />
    public IEmotionRecognizer Create(StreamingParameters streaming, EmotionLabelSet labels, int maxStreams)
    {
        lock (forward)
            return new SharedModelRecognizer(new StreamingStudent(model, features, streaming, labels, device, maxStreams), forward);
    }
}
