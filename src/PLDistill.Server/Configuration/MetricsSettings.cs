namespace PLDistill.Server.Configuration;

/// <summary>The Prometheus text endpoint, <c>GET /metrics</c> over HTTP/1.1 on its own port (the gRPC port speaks only gRPC).</summary>
public sealed record MetricsSettings
{
    /// <summary>Serve metrics at all.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Plain http URL of the metrics listener; loopback by default.</summary>
    public string Url { get; init; } = "http://127.0.0.1:9464";

    internal void Validate()
    {
        if (!Enabled)
            return;
        if (Endpoint.Parse(Url, "metrics.url").Tls)
            throw new ServerConfigurationException($"metrics.url '{Url}': the metrics endpoint is plain http; put TLS in front of it if needed");
    }
}
