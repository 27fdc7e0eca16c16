using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Streaming.Inference;
using static TorchSharp.torch;

namespace PLDistill.Streaming.Tests.TestSupport;

/// <summary>
/// A real recognizer that fails on cue, as a device does (an illegal memory access, memory that runs out): the first
/// <paramref name="failingAdvances"/> batches throw from <see cref="Advance"/>, the first <paramref name="failingOpens"/>
/// streams throw from <see cref="Open"/>; everything else is the real student's.
/// </summary>
internal sealed class FaultInjectingRecognizer(IEmotionRecognizer real, int failingAdvances = 0, int failingOpens = 0) : IEmotionRecognizer
{
    private int advancesLeftToFail = failingAdvances, opensLeftToFail = failingOpens;

    public EmotionLabelSet Labels => real.Labels;
    public StreamingParameters Streaming => real.Streaming;
    public int SampleRate => real.SampleRate;
    public Device Device => real.Device;
    public int MaxStreams => real.MaxStreams;
    public int OpenStreams => real.OpenStreams;

    public RecognizerSession Open() =>
        Interlocked.Decrement(ref opensLeftToFail) >= 0
            ? throw new System.Runtime.InteropServices.ExternalException("CUDA out of memory: tried to allocate 2.00 MiB")
            : real.Open();

    public IReadOnlyList<EmotionScores> Advance(IReadOnlyList<HopInput> hops) =>
        Interlocked.Decrement(ref advancesLeftToFail) >= 0
            ? throw new System.Runtime.InteropServices.ExternalException("CUDA error: an illegal memory access was encountered")
            : real.Advance(hops);

    public void Dispose() => real.Dispose();
}
