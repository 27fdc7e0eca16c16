using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Streaming.Inference;
using static TorchSharp.torch;

namespace PLDistill.Server.Engines;

/// <summary>A recognizer whose model is shared with others: opening streams and stepping them hold <paramref name="gate"/>.</summary>
internal sealed class SharedModelRecognizer(IEmotionRecognizer inner, Lock gate) : IEmotionRecognizer
{
    public EmotionLabelSet Labels => inner.Labels;

    public StreamingParameters Streaming => inner.Streaming;

    public int SampleRate => inner.SampleRate;

    public Device Device => inner.Device;

    public int MaxStreams => inner.MaxStreams;

    public int OpenStreams => inner.OpenStreams;

    public RecognizerSession Open()
    {
        lock (gate)
            return inner.Open();
    }

    public IReadOnlyList<EmotionScores> Advance(IReadOnlyList<HopInput> hops)
    {
        lock (gate)
            return inner.Advance(hops);
    }

    public void Dispose()
    {
        lock (gate)
            inner.Dispose();
    }
}
