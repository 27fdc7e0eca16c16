using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Streaming.Inference;
using static TorchSharp.torch;

namespace PLDistill.Testing;

/// <summary>
/// A real recognizer that fails on cue, as a device does (an illegal memory access, memory that runs out); everything
/// else is the real one's. Batches fail from <see cref="Advance"/>: the first <paramref name="failingAdvances"/> of them,
/// or, with <paramref name="failAllButFirstStream"/>, every batch that is not the first stream's alone (a server's
/// warm-up stream passes, its callers' fail). The first <paramref name="failingOpens"/> streams fail from <see cref="Open"/>.
/// The advances numbered (from 0) in <paramref name="nanAdvances"/> do not throw but return NaN for every class, as a
/// model whose numbers went bad does. <paramref name="beforeAdvance"/>, if given, runs before each batch with its number
/// (from 0): a test makes the model slow, or hangs it, there.
/// </summary>
internal sealed class FaultInjectingRecognizer(
    IEmotionRecognizer real, int failingAdvances = 0, int failingOpens = 0, bool failAllButFirstStream = false,
    string advanceFailure = "CUDA error: an illegal memory access was encountered", int[]? nanAdvances = null,
    Action<int>? beforeAdvance = null) : IEmotionRecognizer
{
    private int advancesLeftToFail = failingAdvances, opensLeftToFail = failingOpens, advances, advancesStarted;
    private RecognizerSession? firstStream;

    public EmotionLabelSet Labels => real.Labels;
    public StreamingParameters Streaming => real.Streaming;
    public int SampleRate => real.SampleRate;
    public Device Device => real.Device;
    public int MaxStreams => real.MaxStreams;
    public int OpenStreams => real.OpenStreams;

    public RecognizerSession Open()
    {
        if (Interlocked.Decrement(ref opensLeftToFail) >= 0)
            throw new System.Runtime.InteropServices.ExternalException("CUDA out of memory: tried to allocate 2.00 MiB");
        var session = real.Open();
        firstStream ??= session;
        return session;
    }

    public IReadOnlyList<EmotionScores> Advance(IReadOnlyList<HopInput> hops)
    {
        int number = Interlocked.Increment(ref advancesStarted) - 1;
        beforeAdvance?.Invoke(number);
        bool fail = failAllButFirstStream
            ? !hops.All(h => ReferenceEquals(h.Session, firstStream))
            : Interlocked.Decrement(ref advancesLeftToFail) >= 0;
        if (fail)
            throw new System.Runtime.InteropServices.ExternalException(advanceFailure);
        var scores = real.Advance(hops);
        if (nanAdvances is null || !nanAdvances.Contains(advances++))
            return scores;
        return [.. scores.Select(s => s with { Probabilities = [.. s.Probabilities.Select(_ => float.NaN)] })];
    }

    public void Dispose() => real.Dispose();
}
