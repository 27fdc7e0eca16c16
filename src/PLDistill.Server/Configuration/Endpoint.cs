using System.Net;

namespace PLDistill.Server.Configuration;

/// <summary>A parsed listen URL: IP address, port, and whether it is https.</summary>
public sealed record Endpoint(IPAddress Address, int Port, bool Tls)
{
    /// <summary>Parses <c>http(s)://HOST:PORT</c>, HOST an IP address, localhost (loopback) or * (every interface).</summary>
    /// <exception cref="ServerConfigurationException">Anything else, naming <paramref name="key"/>.</exception>
    public static Endpoint Parse(string url, string key)
    {
        if (string.IsNullOrWhiteSpace(url))
            throw new ServerConfigurationException($"{key} is empty; use e.g. {ListenSettings.DefaultUrl}");
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        string protocol = scheme < 0 ? "" : url[..scheme].ToLowerInvariant();
        if (protocol is not ("http" or "https"))
            throw new ServerConfigurationException($"{key} '{url}': use http://HOST:PORT or https://HOST:PORT");
        string rest = url[(scheme + 3)..].TrimEnd('/');
        int colon = rest.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(rest[(colon + 1)..], out int port) || port is < 0 or > 65535)
            throw new ServerConfigurationException($"{key} '{url}': needs an explicit port 0..65535 (0 = any free port)");
        string host = rest[..colon].Trim('[', ']');
        IPAddress address = host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" or "+" => IPAddress.Any,
            _ when IPAddress.TryParse(host, out var parsed) => parsed,
            _ => throw new ServerConfigurationException($"{key} '{url}': the host must be an IP address, localhost or *"),
        };
        return new Endpoint(address, port, protocol == "https");
    }
}
