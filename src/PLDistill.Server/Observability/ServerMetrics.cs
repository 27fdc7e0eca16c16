using Prometheus;

namespace PLDistill.Server.Observability;

/// <summary>
/// The server's Prometheus metrics, in a registry of their own (one per server instance, so tests and embedded servers
/// never share counters). Tenant labels are bounded by the tenants file; stream ids never become labels.
/// </summary>
public sealed class ServerMetrics
{
    private static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.0005, 2, 16);   // 0.5 ms .. 16 s

    /// <summary>Metrics in a new registry.</summary>
    public ServerMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        ActiveStreams = factory.CreateGauge("pld_streams_active", "Recognize streams open now.", "tenant");
        ActiveSubscribers = factory.CreateGauge("pld_subscribers_active", "Subscribe calls open now.", "tenant");
        StreamsEnded = factory.CreateCounter("pld_streams_ended_total", "Recognize streams ended, by why.", "tenant", "reason");
        Estimates = factory.CreateCounter("pld_estimates_total", "Estimates published.", "tenant");
        Hops = factory.CreateCounter("pld_hops_total", "Hops the model processed (coalesced ones included); rate() gives hops/s.", "tenant");
        DroppedHops = factory.CreateCounter("pld_dropped_hops_total", "Hops dropped because compute fell behind.", "tenant");
        CoalescedHops = factory.CreateCounter("pld_coalesced_hops_total", "Hops merged into another hop's estimate because compute fell behind.", "tenant");
        AudioSeconds = factory.CreateCounter("pld_audio_seconds_total", "Seconds of audio received.", "tenant");
        ServerLatency = factory.CreateHistogram("pld_estimate_latency_seconds",
            "From a hop's last sample arriving to its estimate being published.", new HistogramConfiguration { Buckets = LatencyBuckets });
        ModelLatency = factory.CreateHistogram("pld_model_latency_seconds",
            "Time the model spent on the batch that carried a hop.", new HistogramConfiguration { Buckets = LatencyBuckets });
        Calls = factory.CreateCounter("pld_grpc_calls_total", "gRPC calls of the emotion service ended, by method and status code.", "method", "code");
        SubscriberOverflows = factory.CreateCounter("pld_slow_consumers_total", "Callers and subscribers ended because they fell behind.", "tenant");
        EngineConfigurations = factory.CreateGauge("pld_engine_configurations", "Engines (distinct hop/window/label sets) running.");
    }

    /// <summary>The registry <c>/metrics</c> exports.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Recognize streams open, by tenant.</summary>
    public Gauge ActiveStreams { get; }

    /// <summary>Subscribe calls open, by tenant.</summary>
    public Gauge ActiveSubscribers { get; }

    /// <summary>Streams ended, by tenant and end reason.</summary>
    public Counter StreamsEnded { get; }

    /// <summary>Estimates published, by tenant.</summary>
    public Counter Estimates { get; }

    /// <summary>Hops processed, by tenant.</summary>
    public Counter Hops { get; }

    /// <summary>Hops dropped, by tenant.</summary>
    public Counter DroppedHops { get; }

    /// <summary>Hops coalesced, by tenant.</summary>
    public Counter CoalescedHops { get; }

    /// <summary>Audio received, by tenant.</summary>
    public Counter AudioSeconds { get; }

    /// <summary>Engine end-to-end latency per estimate.</summary>
    public Histogram ServerLatency { get; }

    /// <summary>Model time per estimate.</summary>
    public Histogram ModelLatency { get; }

    /// <summary>Calls ended, by method and status code (errors by code).</summary>
    public Counter Calls { get; }

    /// <summary>Slow consumers ended, by tenant.</summary>
    public Counter SubscriberOverflows { get; }

    /// <summary>Engines running.</summary>
    public Gauge EngineConfigurations { get; }
}
