namespace PLDistill.Streaming.Observables;

/// <summary>
/// The confirmed emotion label of one stream changed (or was confirmed for the first time), as published by
/// <see cref="EmotionObservables.LabelChanges"/>.
/// </summary>
/// <param name="StreamId">The stream whose label changed.</param>
/// <param name="From">The previously confirmed label; <see langword="null"/> for the stream's first confirmed label.</param>
/// <param name="To">The newly confirmed label.</param>
/// <param name="At">
/// <see cref="Engine.EmotionEstimate.AudioEnd"/> of the estimate that confirmed the change (the last of the agreeing run),
/// in the stream's audio time.
/// </param>
/// <param name="Confidence">Smoothed probability of <paramref name="To"/> in that confirming estimate.</param>
/// <param name="Sequence"><see cref="Engine.EmotionEstimate.Sequence"/> of that confirming estimate.</param>
public sealed record LabelChange(string StreamId, string? From, string To, TimeSpan At, float Confidence, long Sequence);
