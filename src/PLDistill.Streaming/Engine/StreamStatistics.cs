namespace PLDistill.Streaming.Engine;

/// <summary>A snapshot of one stream's counters and memory.</summary>
public sealed record StreamStatistics
{
    /// <summary>The stream.</summary>
    public required string StreamId { get; init; }

    /// <summary>Hops the producer completed.</summary>
    public long HopsQueued { get; init; }

    /// <summary>Hops that reached the model (coalesced ones included).</summary>
    public long HopsProcessed { get; init; }

    /// <summary>Hops dropped because the queue overflowed.</summary>
    public long DroppedHops { get; init; }

    /// <summary>Hops merged into another hop's step under <see cref="BackpressurePolicy.Coalesce"/>.</summary>
    public long CoalescedHops { get; init; }

    /// <summary>Estimates published.</summary>
    public long Estimates { get; init; }

    /// <summary>Hops waiting now.</summary>
    public int QueuedNow { get; init; }

    /// <summary>Model-device bytes the stream holds (encoder caches, projector-cache slot).</summary>
    public long DeviceBytes { get; init; }

    /// <summary>Host bytes the stream holds (queued audio, partial hop, recognizer buffers).</summary>
    public long HostBytes { get; init; }
}
