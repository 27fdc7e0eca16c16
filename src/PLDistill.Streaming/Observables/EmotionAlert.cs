namespace PLDistill.Streaming.Observables;

/// <summary>
/// One emotion held at or above a threshold for a given stretch of one stream's audio, as published by
/// <see cref="EmotionObservables.SustainedEmotion"/>. The run is the consecutive estimates from the one ending at
/// <see cref="Since"/> to the one ending at <see cref="At"/>, every one of them with the label's smoothed probability
/// at or above <see cref="Threshold"/>; the alert is raised by the first estimate where <c>At - Since</c> reaches the
/// requested duration.
/// </summary>
/// <param name="StreamId">The stream the alert is about.</param>
/// <param name="Label">The emotion that was sustained.</param>
/// <param name="Threshold">The smoothed probability the label stayed at or above.</param>
/// <param name="Since">
/// <see cref="Engine.EmotionEstimate.AudioEnd"/> of the run's first estimate: the first observation at or above the
/// threshold after one below it (or after the stream's start).
/// </param>
/// <param name="At"><see cref="Engine.EmotionEstimate.AudioEnd"/> of the estimate that made the run long enough.</param>
/// <param name="MeanProbability">Mean smoothed probability of the label over the run's estimates, both ends included.</param>
public sealed record EmotionAlert(string StreamId, string Label, float Threshold, TimeSpan Since, TimeSpan At, float MeanProbability);
