using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace PLDistill.Server.Configuration;

/// <summary>One tenant: a name, the SHA-256 hashes of its API keys (<c>pld serve hash-key</c> prints one), optional own limits.</summary>
public sealed partial record TenantSettings
{
    /// <summary>The tenant's name: lower-case letters, digits and '-', 1..63 characters; appears in stream names and metrics.</summary>
    public string Name { get; init; } = "";

    /// <summary>Lower-case hex SHA-256 of each accepted API key (UTF-8). Keys themselves are never stored.</summary>
    [ConfigurationKeyName("api_key_sha256")]
    public IReadOnlyList<string> ApiKeySha256 { get; init; } = [];

    /// <summary>This tenant's concurrent stream limit, if lower than <see cref="LimitSettings.MaxStreamsPerTenant"/>.</summary>
    [ConfigurationKeyName("max_streams")]
    public int? MaxStreams { get; init; }

    internal void Validate()
    {
        if (!NamePattern().IsMatch(Name))
            throw new ServerConfigurationException($"auth.tenants: name '{Name}': use 1..63 of a-z, 0-9 and '-', starting with a letter or digit");
        if (ApiKeySha256.Count == 0)
            throw new ServerConfigurationException($"auth.tenants: tenant '{Name}' has no api_key_sha256 entries");
        foreach (var hash in ApiKeySha256)
        {
            if (!HashPattern().IsMatch(hash ?? ""))
                throw new ServerConfigurationException(
                    $"auth.tenants: tenant '{Name}': api_key_sha256 '{hash}' is not 64 hex digits (run 'pld serve hash-key' to make one)");
        }
        if (MaxStreams is < 1)
            throw new ServerConfigurationException($"auth.tenants: tenant '{Name}': max_streams {MaxStreams} must be >= 1");
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,62}\z")]   // \z: $ would also match before a final newline
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[0-9a-fA-F]{64}\z")]
    private static partial Regex HashPattern();
}
