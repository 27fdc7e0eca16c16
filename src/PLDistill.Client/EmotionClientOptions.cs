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

    /// <summary>How long to wait for a connection.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
