using Microsoft.Extensions.Configuration;
using PLDistill.Streaming.Engine;

namespace PLDistill.Server.Configuration;

/// <summary>The engine knobs (see <see cref="EngineOptions"/>, whose defaults these are), in the units the config file uses.</summary>
public sealed record EngineSettings
{
    private static readonly EngineOptions Defaults = new();

    /// <summary>coalesce (default: no audio lost, a backlog shares one estimate) or drop_oldest.</summary>
    public string Policy { get; init; } = "coalesce";

    /// <summary>Hops each stream may queue before the policy applies.</summary>
    [ConfigurationKeyName("queue_hops")]
    public int QueueHops { get; init; } = Defaults.QueueHops;

    /// <summary>Most queued hops merged into one step under coalesce.</summary>
    [ConfigurationKeyName("max_coalesced_hops")]
    public int MaxCoalescedHops { get; init; } = Defaults.MaxCoalescedHops;

    /// <summary>
    /// How long reading a stream's audio may wait for room in its full hop queue (the wait holds the client back through
    /// HTTP/2 flow control) before the policy applies; 0 = never wait (live audio), -1 = always wait (never lose or
    /// coalesce a hop; a client that sends faster than the model slows down instead).
    /// </summary>
    [ConfigurationKeyName("producer_wait_milliseconds")]
    public double ProducerWaitMilliseconds { get; init; } = Defaults.ProducerWaitBudget.TotalMilliseconds;

    /// <summary>Most streams stepped in one forward pass.</summary>
    [ConfigurationKeyName("max_batch_streams")]
    public int MaxBatchStreams { get; init; } = Defaults.MaxBatchStreams;

    /// <summary>How long the scheduler waits for more ready streams before running a batch that is not full.</summary>
    [ConfigurationKeyName("max_batch_wait_milliseconds")]
    public double MaxBatchWaitMilliseconds { get; init; } = Defaults.MaxBatchWait.TotalMilliseconds;

    /// <summary>Weight of the newest hop in the smoothing of probabilities (1 = none).</summary>
    [ConfigurationKeyName("smoothing_weight")]
    public double SmoothingWeight { get; init; } = Defaults.SmoothingWeight;

    internal BackpressurePolicy ParsedPolicy => Policy.Trim().ToLowerInvariant() switch
    {
        "coalesce" => BackpressurePolicy.Coalesce,
        "drop_oldest" or "dropoldest" => BackpressurePolicy.DropOldest,
        _ => throw new ServerConfigurationException($"engine.policy '{Policy}': use coalesce or drop_oldest"),
    };

    /// <summary>The engine options these settings mean; <paramref name="drain"/> bounds the drain at shutdown.</summary>
    public EngineOptions ToEngineOptions(TimeSpan drain) => new()
    {
        Policy = ParsedPolicy,
        QueueHops = QueueHops,
        MaxCoalescedHops = MaxCoalescedHops,
        ProducerWaitBudget = ProducerWaitMilliseconds < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(ProducerWaitMilliseconds),
        MaxBatchStreams = MaxBatchStreams,
        MaxBatchWait = TimeSpan.FromMilliseconds(MaxBatchWaitMilliseconds),
        SmoothingWeight = SmoothingWeight,
        // The hub's own per-caller buffers bound what a slow caller may hold; the engine-side queue of our single
        // observer per stream only has to absorb scheduling jitter.
        SubscriberBuffer = 100_000,
        ShutdownDrainTimeout = drain,
    };

    internal void Validate()
    {
        _ = ParsedPolicy;
        if (ProducerWaitMilliseconds is not (>= 0 and <= 60_000 or -1))
            throw new ServerConfigurationException($"engine.producer_wait_milliseconds {ProducerWaitMilliseconds}: use 0..60000, or -1 to always wait");
        if (MaxBatchWaitMilliseconds is not (>= 0 and <= 1000))
            throw new ServerConfigurationException($"engine.max_batch_wait_milliseconds {MaxBatchWaitMilliseconds}: use 0..1000");
        try
        {
            ToEngineOptions(TimeSpan.Zero).Validate();
        }
        catch (ArgumentOutOfRangeException bad)
        {
            throw new ServerConfigurationException($"engine: {bad.ParamName} {bad.ActualValue}: {bad.Message.Split(" (Parameter")[0]}", bad);
        }
    }
}
