using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Server.Engines;
using PLDistill.Streaming.Inference;

namespace PLDistill.Server.Tests.TestSupport;

/// <summary>A real model factory whose every recognizer is wrapped, e.g. in a <c>FaultInjectingRecognizer</c>.</summary>
internal sealed class WrappedModel(IRecognizerFactory inner, Func<IEmotionRecognizer, IEmotionRecognizer> wrap) : IRecognizerFactory
{
    public string Description => $"{inner.Description} (wrapped for a test)";
    public int SampleRate => inner.SampleRate;
    public StreamingParameters Defaults => inner.Defaults;
    public EmotionLabelSet Labels => inner.Labels;
    public double MinWindowSeconds => inner.MinWindowSeconds;
    public double MaxWindowSeconds => inner.MaxWindowSeconds;

    public IEmotionRecognizer Create(StreamingParameters streaming, EmotionLabelSet labels, int maxStreams) =>
        wrap(inner.Create(streaming, labels, maxStreams));
}
