using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using static TorchSharp.torch;

namespace PLDistill.Streaming.Inference;

/// <summary>
/// What the engine runs each hop: one model serving many streams, stepping the ready ones together. Two
/// implementations: <see cref="StreamingStudent"/> (incremental, projector cache) and <see cref="WindowRecomputingStudent"/>
/// (recomputes the whole window every hop; the baseline the cache is measured against).
/// </summary>
/// <remarks>Not thread-safe: the engine's single inference loop calls it.</remarks>
public interface IEmotionRecognizer : IDisposable
{
    /// <summary>The classes estimates are over.</summary>
    EmotionLabelSet Labels { get; }

    /// <summary>Hop and window.</summary>
    StreamingParameters Streaming { get; }

    /// <summary>Rate of the mono samples <see cref="Advance"/> expects.</summary>
    int SampleRate { get; }

    /// <summary>Where the model and the per-stream state live.</summary>
    Device Device { get; }

    /// <summary>Streams that can be open at once.</summary>
    int MaxStreams { get; }

    /// <summary>Streams open now.</summary>
    int OpenStreams { get; }

    /// <summary>Starts a stream.</summary>
    /// <exception cref="InvalidOperationException">All <see cref="MaxStreams"/> slots are in use.</exception>
    RecognizerSession Open();

    /// <summary>Feeds each stream its next samples and estimates over each one's last window, in one batch.</summary>
    IReadOnlyList<EmotionScores> Advance(IReadOnlyList<HopInput> hops);
}

/// <summary>The next samples (mono, <see cref="IEmotionRecognizer.SampleRate"/>) of one stream.</summary>
public readonly record struct HopInput(RecognizerSession Session, ReadOnlyMemory<float> Samples);
