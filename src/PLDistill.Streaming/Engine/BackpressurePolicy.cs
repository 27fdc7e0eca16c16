namespace PLDistill.Streaming.Engine;

/// <summary>What a stream's hop queue does when compute falls behind.</summary>
/// <remarks>
/// In both policies the producer waits at most <see cref="EngineOptions.ProducerWaitBudget"/> for room in a full queue;
/// then the oldest queued hop is dropped (its audio never reaches the model), counted in
/// <see cref="EmotionEstimate.DroppedHops"/> and <see cref="StreamStatistics.DroppedHops"/>, so memory stays bounded.
/// </remarks>
public enum BackpressurePolicy
{
    /// <summary>The model takes one hop per stream per batch; a backlog is worked off hop by hop or dropped oldest-first.</summary>
    DropOldest,

    /// <summary>The model takes a stream's whole backlog (up to <see cref="EngineOptions.MaxCoalescedHops"/>) in one step:
    /// no audio is lost, one estimate covers the merged hops (<see cref="EmotionEstimate.CoalescedHops"/> counts them).</summary>
    Coalesce,
}
