using Microsoft.Extensions.Configuration;

namespace PLDistill.Server.Configuration;

/// <summary>Tenants, inline or in a separate file (keep keys out of the main config; the file holds only key hashes).</summary>
public sealed record AuthSettings
{
    /// <summary>Tenants defined in the main file.</summary>
    public IReadOnlyList<TenantSettings> Tenants { get; init; } = [];

    /// <summary>A YAML or JSON file with a top-level <c>tenants:</c> list, relative to the main config file.</summary>
    [ConfigurationKeyName("tenants_file")]
    public string? TenantsFile { get; init; }

    internal void Validate()
    {
        if (Tenants.Count == 0)
            throw new ServerConfigurationException("auth: no tenants are configured, so every call would be refused; add auth.tenants or auth.tenants_file");
        var names = new HashSet<string>(StringComparer.Ordinal);
        var hashes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var tenant in Tenants)
        {
            tenant.Validate();
            if (!names.Add(tenant.Name))
                throw new ServerConfigurationException($"auth.tenants: tenant '{tenant.Name}' appears twice");
            foreach (var hash in tenant.ApiKeySha256)
            {
                if (!hashes.Add(hash))
                    throw new ServerConfigurationException($"auth.tenants: an API key of tenant '{tenant.Name}' is also another tenant's (or listed twice)");
            }
        }
    }
}
