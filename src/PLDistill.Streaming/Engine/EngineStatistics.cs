namespace PLDistill.Streaming.Engine;

/// <summary>A snapshot of the engine's counters.</summary>
public sealed record EngineStatistics
{
    /// <summary>Streams open now.</summary>
    public int OpenStreams { get; init; }

    /// <summary>Streams the engine can hold.</summary>
    public int MaxStreams { get; init; }

    /// <summary>Forward passes run.</summary>
    public long Batches { get; init; }

    /// <summary>Stream-steps run (sum of batch sizes).</summary>
    public long StreamSteps { get; init; }

    /// <summary>Largest batch so far.</summary>
    public int LargestBatch { get; init; }

    /// <summary>Hops dropped over all streams.</summary>
    public long DroppedHops { get; init; }

    /// <summary>Hops coalesced over all streams.</summary>
    public long CoalescedHops { get; init; }

    /// <summary>Estimates a slow subscriber lost (its own oldest, never anyone else's).</summary>
    public long SubscriberDrops { get; init; }
}
