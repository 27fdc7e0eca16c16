using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Server.Engines;
using PLDistill.Streaming.Inference;
using PLDistill.Testing;

namespace PLDistill.Server.Tests.TestSupport;

/// <summary>
/// A real model factory whose every recognizer is wrapped, e.g. in a <c>FaultInjectingRecognizer</c>, and which runs
/// <paramref name="beforeBuild"/> inside every build first (to slow or fail the build of an engine).
/// </summary>
internal sealed class WrappedModel(IRecognizerFactory inner, Func<IEmotionRecognizer, IEmotionRecognizer> wrap,
                                   Action<StreamingParameters>? beforeBuild = null) : IRecognizerFactory
{
    public string Description => $"{inner.Description} (wrapped for a test)";
    public int SampleRate => inner.SampleRate;
    public StreamingParameters Defaults => inner.Defaults;
    public EmotionLabelSet Labels => inner.Labels;
    public double MinWindowSeconds => inner.MinWindowSeconds;
    public double MaxWindowSeconds => inner.MaxWindowSeconds;

    public IEmotionRecognizer Create(StreamingParameters streaming, EmotionLabelSet labels, int maxStreams)
    {
        beforeBuild?.Invoke(streaming);
        return wrap(inner.Create(streaming, labels, maxStreams));
    }

    /// <summary>The test model, taking <paramref name="perBatch"/> a batch once <paramref name="slow"/> is set (after the server's warm-up).</summary>
    public static WrappedModel SlowedBy(ManualResetEventSlim slow, TimeSpan perBatch) =>
        new(TestModel.Factory(), real => new FaultInjectingRecognizer(real, beforeAdvance: _ =>
        {
            if (slow.IsSet)
                Thread.Sleep(perBatch);
        }));
}
