using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using PLDistill.Server.Configuration;

namespace PLDistill.Server.Security;

/// <summary>Maps API keys to tenants. Keys are compared by their SHA-256, so neither the config nor memory holds a key.</summary>
public sealed class TenantDirectory
{
    private readonly FrozenDictionary<string, Tenant> byHash;

    /// <summary>A directory of <paramref name="tenants"/>, each limited to at most <paramref name="maxStreamsPerTenant"/> streams.</summary>
    public TenantDirectory(IEnumerable<TenantSettings> tenants, int maxStreamsPerTenant)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        var map = new Dictionary<string, Tenant>(StringComparer.Ordinal);
        foreach (var settings in tenants)
        {
            var tenant = new Tenant(settings.Name, Math.Min(settings.MaxStreams ?? maxStreamsPerTenant, maxStreamsPerTenant));
            foreach (var hash in settings.ApiKeySha256)
                map[hash.ToLowerInvariant()] = tenant;
        }
        byHash = map.ToFrozenDictionary(StringComparer.Ordinal);
        Tenants = map.Values.Distinct().OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();
    }

    /// <summary>Every tenant.</summary>
    public IReadOnlyList<Tenant> Tenants { get; }

    /// <summary>The tenant whose key <paramref name="key"/> is, or null.</summary>
    public Tenant? Authenticate(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 1024)
            return null;
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), digest);
        return byHash.GetValueOrDefault(Convert.ToHexStringLower(digest));
    }
}
