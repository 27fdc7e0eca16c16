namespace PLDistill.Streaming.Engine;

/// <summary>One rolling estimate for one stream.</summary>
public sealed record EmotionEstimate
{
    /// <summary>The stream it belongs to.</summary>
    public required string StreamId { get; init; }

    /// <summary>0, 1, 2, ... per stream, in order; gaps never occur (coalesced hops share one estimate).</summary>
    public required long Sequence { get; init; }

    /// <summary>Start of the audio window the estimate covers, from the stream's start.</summary>
    public required TimeSpan AudioStart { get; init; }

    /// <summary>End of the audio the estimate covers.</summary>
    public required TimeSpan AudioEnd { get; init; }

    /// <summary>
    /// Most probable class (from the smoothed probabilities); the first of <see cref="Labels"/> while no smoothed
    /// probability is finite (see <see cref="Confidence"/>).
    /// </summary>
    public required string Label { get; init; }

    /// <summary>Class names, in the order of the probability arrays.</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>This hop's class probabilities, as the model gave them (NaN or infinite ones included).</summary>
    public required IReadOnlyList<float> Probabilities { get; init; }

    /// <summary>
    /// Exponentially smoothed probabilities across hops. A hop whose probabilities are not all finite is left out of the
    /// average (its estimate repeats the previous smoothed values); before the stream's first finite hop, they are that
    /// hop's own probabilities.
    /// </summary>
    public required IReadOnlyList<float> SmoothedProbabilities { get; init; }

    /// <summary>
    /// Smoothed probability of <see cref="Label"/>; 0 while no smoothed probability is finite (the stream's hops so far
    /// were all non-finite), which is below every threshold of <see cref="Observables.EmotionObservables"/>.
    /// </summary>
    public required float Confidence { get; init; }

    /// <summary>Time the model spent on this hop.</summary>
    public required TimeSpan ModelLatency { get; init; }

    /// <summary>From the hop's last sample arriving to this estimate being published.</summary>
    public required TimeSpan EndToEndLatency { get; init; }

    /// <summary>Hops merged into this estimate because compute fell behind (0 normally).</summary>
    public int CoalescedHops { get; init; }

    /// <summary>Hops dropped for this stream so far (the queue's oldest audio, when it overflowed).</summary>
    public long DroppedHops { get; init; }
}
