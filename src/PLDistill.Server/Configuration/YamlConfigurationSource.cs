using Microsoft.Extensions.Configuration;

namespace PLDistill.Server.Configuration;

/// <summary>A YAML file as a configuration source (mappings become sections, sequences become indexed sections).</summary>
public sealed class YamlConfigurationSource : FileConfigurationSource
{
    /// <inheritdoc />
    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new YamlConfigurationProvider(this);
    }
}
