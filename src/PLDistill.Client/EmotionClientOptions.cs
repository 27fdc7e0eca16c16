using System.Security.Cryptography.X509Certificates;

namespace PLDistill.Client;

/// <summary>How <see cref="EmotionClient"/> connects.</summary>
public sealed record EmotionClientOptions
{
    /// <summary>
    /// A certificate to trust as the root for an https server (a private CA, or the server's own self-signed certificate),
    /// in addition to nothing else. Null: the system's trusted roots.
    /// </summary>
    public X509Certificate2? TrustedRoot { get; init; }

    /// <summary>
    /// Allow an http:// (plaintext) address on a host other than this machine's loopback. Off by default: the API key
    /// goes with every call and would cross the network in cleartext (gRPC's own clients refuse call credentials on an
    /// insecure channel for the same reason). Use https:// instead wherever the network is not yours alone.
    /// </summary>
    public bool AllowInsecure { get; init; }

    /// <summary>How long to wait for a connection.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
