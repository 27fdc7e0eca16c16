using Microsoft.Extensions.Configuration;

namespace PLDistill.Server.Configuration;

/// <summary>
/// Everything <c>pld serve</c> is configured with (configs/server.yaml). Immutable; <see cref="Validate"/> checks it once
/// and names the first bad setting. Keys are snake_case in the file (<c>listen.url</c>, <c>limits.idle_timeout_seconds</c>).
/// </summary>
public sealed record ServerOptions
{
    /// <summary>Where the gRPC endpoint listens and with which certificate.</summary>
    public ListenSettings Listen { get; init; } = new();

    /// <summary>The Prometheus endpoint.</summary>
    public MetricsSettings Metrics { get; init; } = new();

    /// <summary>The model served.</summary>
    public ModelSettings Model { get; init; } = new();

    /// <summary>Which hops and windows streams may ask for.</summary>
    public StreamingSettings Streaming { get; init; } = new();

    /// <summary>Queues, batching and backpressure of the engines.</summary>
    public EngineSettings Engine { get; init; } = new();

    /// <summary>Sizes, counts and times the server enforces.</summary>
    public LimitSettings Limits { get; init; } = new();

    /// <summary>Tenants and their API keys.</summary>
    public AuthSettings Auth { get; init; } = new();

    /// <summary>Log format and level.</summary>
    [ConfigurationKeyName("logging")]
    public LogSettings Log { get; init; } = new();

    /// <summary>Throws <see cref="ServerConfigurationException"/> naming the first bad setting; returns this.</summary>
    public ServerOptions Validate()
    {
        Listen.Validate();
        Metrics.Validate();
        // Caught here rather than as "address already in use" after the model has loaded.
        if (Metrics.Enabled && Endpoint.Parse(Listen.Url, "listen.url") is { Port: > 0 } api && Endpoint.Parse(Metrics.Url, "metrics.url") is { } scrape
            && api.Port == scrape.Port && (api.Address.Equals(scrape.Address) || IsAny(api.Address) || IsAny(scrape.Address)))
            throw new ServerConfigurationException($"listen.url '{Listen.Url}' and metrics.url '{Metrics.Url}' use the same port; give metrics its own, or metrics.enabled: false");
        Model.Validate();
        Streaming.Validate();
        Engine.Validate();
        Limits.Validate();
        Auth.Validate();
        Log.Validate();
        return this;
    }

    private static bool IsAny(System.Net.IPAddress address) =>
        address.Equals(System.Net.IPAddress.Any) || address.Equals(System.Net.IPAddress.IPv6Any);
}
