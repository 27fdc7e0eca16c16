using Microsoft.Extensions.Configuration;

namespace PLDistill.Server.Configuration;

/// <summary>What the server enforces per message, per stream, per tenant and in total.</summary>
public sealed record LimitSettings
{
    /// <summary>Largest request message (an audio chunk plus framing); larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    [ConfigurationKeyName("max_message_bytes")]
    public int MaxMessageBytes { get; init; } = 1 << 20;

    /// <summary>Streams open at once over all tenants.</summary>
    [ConfigurationKeyName("max_streams")]
    public int MaxStreams { get; init; } = 256;

    /// <summary>Streams one tenant may have open at once (a tenant's own setting may lower it).</summary>
    [ConfigurationKeyName("max_streams_per_tenant")]
    public int MaxStreamsPerTenant { get; init; } = 64;

    /// <summary>Subscribe calls one tenant may have open at once.</summary>
    [ConfigurationKeyName("max_subscribers_per_tenant")]
    public int MaxSubscribersPerTenant { get; init; } = 32;

    /// <summary>Longest stream, by wall time from its config and by audio received.</summary>
    [ConfigurationKeyName("max_stream_duration_seconds")]
    public double MaxStreamDurationSeconds { get; init; } = 3600;

    /// <summary>A stream that receives no audio for this long is ended (DEADLINE_EXCEEDED, after its final events).</summary>
    [ConfigurationKeyName("idle_timeout_seconds")]
    public double IdleTimeoutSeconds { get; init; } = 10;

    /// <summary>Most audio a Subscribe call may ask to replay; each open stream keeps this much of its estimates.</summary>
    [ConfigurationKeyName("max_replay_seconds")]
    public double MaxReplaySeconds { get; init; } = 60;

    /// <summary>Events a caller or subscriber may have unsent; one that falls further behind is ended with RESOURCE_EXHAUSTED.</summary>
    [ConfigurationKeyName("event_buffer")]
    public int EventBuffer { get; init; } = 4096;

    /// <summary>At shutdown, how long open streams get to process the audio they received and send their final events.</summary>
    [ConfigurationKeyName("shutdown_drain_seconds")]
    public double ShutdownDrainSeconds { get; init; } = 10;

    /// <summary>
    /// After a stream's audio has ended, how long the model may go without processing one of its queued hops before the
    /// stream is failed (INTERNAL with an incident id): a safety net for a hung model. A long backlog that keeps moving
    /// is waited for, however long it takes (the engine's queue bounds it).
    /// </summary>
    [ConfigurationKeyName("stall_timeout_seconds")]
    public double StallTimeoutSeconds { get; init; } = 10;

    /// <summary><see cref="IdleTimeoutSeconds"/> as a time span.</summary>
    public TimeSpan IdleTimeout => TimeSpan.FromSeconds(IdleTimeoutSeconds);

    /// <summary><see cref="MaxStreamDurationSeconds"/> as a time span.</summary>
    public TimeSpan MaxStreamDuration => TimeSpan.FromSeconds(MaxStreamDurationSeconds);

    /// <summary><see cref="MaxReplaySeconds"/> as a time span.</summary>
    public TimeSpan MaxReplay => TimeSpan.FromSeconds(MaxReplaySeconds);

    /// <summary><see cref="ShutdownDrainSeconds"/> as a time span.</summary>
    public TimeSpan ShutdownDrain => TimeSpan.FromSeconds(ShutdownDrainSeconds);

    /// <summary><see cref="StallTimeoutSeconds"/> as a time span.</summary>
    public TimeSpan StallTimeout => TimeSpan.FromSeconds(StallTimeoutSeconds);

    internal void Validate()
    {
        Check(MaxMessageBytes is >= 1024 and <= 64 << 20, "max_message_bytes", MaxMessageBytes, "1024..67108864");
        Check(MaxStreams is >= 1 and <= 100_000, "max_streams", MaxStreams, "1..100000");
        Check(MaxStreamsPerTenant >= 1, "max_streams_per_tenant", MaxStreamsPerTenant, ">= 1");
        Check(MaxSubscribersPerTenant is >= 0 and <= 100_000, "max_subscribers_per_tenant", MaxSubscribersPerTenant, "0..100000");
        // Upper bounds: timers run on CancellationTokenSource.CancelAfter, which refuses more than about 49 days.
        Check(MaxStreamDurationSeconds is > 0 and <= 30 * 86_400, "max_stream_duration_seconds", MaxStreamDurationSeconds, "> 0 and <= 2592000 (30 days)");
        Check(IdleTimeoutSeconds is > 0 and <= 86_400, "idle_timeout_seconds", IdleTimeoutSeconds, "> 0 and <= 86400 (a day)");
        Check(MaxReplaySeconds is >= 0 and <= 3600, "max_replay_seconds", MaxReplaySeconds, "0..3600");
        Check(EventBuffer is >= 16 and <= 1_000_000, "event_buffer", EventBuffer, "16..1000000");
        Check(ShutdownDrainSeconds is >= 0 and <= 600, "shutdown_drain_seconds", ShutdownDrainSeconds, "0..600");
        Check(StallTimeoutSeconds is > 0 and <= 3600, "stall_timeout_seconds", StallTimeoutSeconds, "> 0 and <= 3600");
    }

    private static void Check(bool ok, string key, object value, string range)
    {
        if (!ok)
            throw new ServerConfigurationException($"limits.{key} {value}: must be {range}");
    }
}
