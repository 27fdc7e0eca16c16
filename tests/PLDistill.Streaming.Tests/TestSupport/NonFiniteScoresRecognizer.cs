using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Streaming.Inference;
using static TorchSharp.torch;

namespace PLDistill.Streaming.Tests.TestSupport;

/// <summary>
/// A real recognizer whose scores turn NaN on cue, as a model fault gives them: the advances numbered (from 0) in
/// <paramref name="nanAdvances"/> return NaN for every class; everything else is the real one's.
/// </summary>
internal sealed class NonFiniteScoresRecognizer(IEmotionRecognizer real, params int[] nanAdvances) : IEmotionRecognizer
{
    private int advances;

    public EmotionLabelSet Labels => real.Labels;
    public StreamingParameters Streaming => real.Streaming;
    public int SampleRate => real.SampleRate;
    public Device Device => real.Device;
    public int MaxStreams => real.MaxStreams;
    public int OpenStreams => real.OpenStreams;

    public RecognizerSession Open() => real.Open();

    public IReadOnlyList<EmotionScores> Advance(IReadOnlyList<HopInput> hops)
    {
        var scores = real.Advance(hops);
        if (!nanAdvances.Contains(advances++))
            return scores;
        return scores.Select(s => s with { Probabilities = s.Probabilities.Select(_ => float.NaN).ToArray() }).ToArray();
    }

    public void Dispose() => real.Dispose();
}
