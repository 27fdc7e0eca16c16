namespace PLDistill.Streaming.Engine;

/// <summary>Engine settings; <see cref="Validate"/> checks them once, naming the first bad one.</summary>
public sealed record EngineOptions
{
    /// <summary>Hops each stream may queue before the policy applies.</summary>
    public int QueueHops { get; init; } = 8;

    /// <summary>What happens when compute falls behind.</summary>
    public BackpressurePolicy Policy { get; init; } = BackpressurePolicy.Coalesce;

    /// <summary>Largest number of queued hops merged into one step under <see cref="BackpressurePolicy.Coalesce"/>.</summary>
    public int MaxCoalescedHops { get; init; } = 8;

    /// <summary>
    /// How long a producer may wait for room in its stream's full queue before the oldest hop is dropped. Zero (the
    /// default, for live audio): never wait. <see cref="Timeout.InfiniteTimeSpan"/>: never drop (files as fast as possible).
    /// </summary>
    public TimeSpan ProducerWaitBudget { get; init; } = TimeSpan.Zero;

    /// <summary>Most streams stepped in one forward pass.</summary>
    public int MaxBatchStreams { get; init; } = 64;

    /// <summary>How long the scheduler waits for more ready streams before running a batch that is not full.</summary>
    public TimeSpan MaxBatchWait { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Weight of the newest hop in the exponential smoothing of probabilities (1 = no smoothing).</summary>
    public double SmoothingWeight { get; init; } = 0.4;

    /// <summary>Estimates each subscriber may have undelivered before its oldest are dropped (it never stalls others).</summary>
    public int SubscriberBuffer { get; init; } = 1024;

    /// <summary>How long <see cref="EmotionEngine.DisposeAsync"/> lets open streams drain before failing them.</summary>
    public TimeSpan ShutdownDrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad setting.</summary>
    public EngineOptions Validate()
    {
        if (QueueHops is < 1 or > 10_000) throw new ArgumentOutOfRangeException(nameof(QueueHops), QueueHops, "must be 1..10000");
        if (MaxCoalescedHops is < 1 or > 10_000) throw new ArgumentOutOfRangeException(nameof(MaxCoalescedHops), MaxCoalescedHops, "must be 1..10000");
        // Finite waits run on timers, which refuse more than about 49 days: a day is the most, or infinite.
        if (!IsWaitUpToADay(ProducerWaitBudget))
            throw new ArgumentOutOfRangeException(nameof(ProducerWaitBudget), ProducerWaitBudget, "must be 0 to 1 day, or Timeout.InfiniteTimeSpan");
        if (MaxBatchStreams is < 1 or > 100_000) throw new ArgumentOutOfRangeException(nameof(MaxBatchStreams), MaxBatchStreams, "must be 1..100000");
        if (MaxBatchWait < TimeSpan.Zero || MaxBatchWait > TimeSpan.FromSeconds(1))
            throw new ArgumentOutOfRangeException(nameof(MaxBatchWait), MaxBatchWait, "must be 0..1 s");
        if (!(SmoothingWeight > 0 && SmoothingWeight <= 1)) throw new ArgumentOutOfRangeException(nameof(SmoothingWeight), SmoothingWeight, "must be in (0, 1]");
        if (SubscriberBuffer is < 1 or > 1_000_000) throw new ArgumentOutOfRangeException(nameof(SubscriberBuffer), SubscriberBuffer, "must be 1..1000000");
        if (!IsWaitUpToADay(ShutdownDrainTimeout))
            throw new ArgumentOutOfRangeException(nameof(ShutdownDrainTimeout), ShutdownDrainTimeout, "must be 0 to 1 day, or Timeout.InfiniteTimeSpan");
        return this;
    }

    private static bool IsWaitUpToADay(TimeSpan wait) =>
        wait == Timeout.InfiniteTimeSpan || (wait >= TimeSpan.Zero && wait <= TimeSpan.FromDays(1));
}
