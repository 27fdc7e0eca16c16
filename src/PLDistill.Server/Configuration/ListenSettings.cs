using Microsoft.Extensions.Configuration;

namespace PLDistill.Server.Configuration;

/// <summary>The gRPC endpoint: <c>http://IP:PORT</c> (plaintext HTTP/2) or <c>https://IP:PORT</c> with a certificate.</summary>
public sealed record ListenSettings
{
    /// <summary>The default: plaintext on the loopback interface only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:50051";

    /// <summary>Scheme, IP address (or localhost, or * for every interface) and port; port 0 picks a free one.</summary>
    public string Url { get; init; } = DefaultUrl;

    /// <summary>TLS certificate: a PKCS#12 file (.pfx/.p12) or a PEM certificate (with <see cref="TlsKey"/>). Required for https.</summary>
    [ConfigurationKeyName("tls_certificate")]
    public string? TlsCertificate { get; init; }

    /// <summary>The PEM private key of a PEM <see cref="TlsCertificate"/>.</summary>
    [ConfigurationKeyName("tls_key")]
    public string? TlsKey { get; init; }

    /// <summary>Name of the environment variable that holds the password of a PKCS#12 file or of an encrypted PEM key (never the password itself).</summary>
    [ConfigurationKeyName("tls_password_env")]
    public string? TlsPasswordEnvironmentVariable { get; init; }

    /// <summary>True for an https URL.</summary>
    public bool UsesTls => Endpoint.Parse(Url, "listen.url").Tls;

    internal void Validate()
    {
        var endpoint = Endpoint.Parse(Url, "listen.url");
        if (endpoint.Tls && string.IsNullOrWhiteSpace(TlsCertificate))
            throw new ServerConfigurationException($"listen.url '{Url}' is https but listen.tls_certificate is not set");
        if (!endpoint.Tls && !string.IsNullOrWhiteSpace(TlsCertificate))
            throw new ServerConfigurationException($"listen.tls_certificate is set but listen.url '{Url}' is http; use https://");
        if (!string.IsNullOrWhiteSpace(TlsKey) && string.IsNullOrWhiteSpace(TlsCertificate))
            throw new ServerConfigurationException("listen.tls_key is set without listen.tls_certificate");
        // A PKCS#12 file carries its own key: a separate key would be ignored without a word.
        if (!string.IsNullOrWhiteSpace(TlsKey) && Path.GetExtension(TlsCertificate!).ToLowerInvariant() is ".pfx" or ".p12")
            throw new ServerConfigurationException($"listen.tls_key is set, but listen.tls_certificate '{TlsCertificate}' is PKCS#12, which holds its own key; remove tls_key");
    }
}
