using Microsoft.Extensions.Configuration;

namespace PLDistill.Server.Configuration;

/// <summary>
/// Reads <see cref="ServerOptions"/> from a YAML or JSON file, then environment variables <c>PLDISTILL_SERVER__SECTION__KEY</c>,
/// strictly: an unknown key or a value of the wrong type is an error naming the file and the key.
/// </summary>
public static partial class ServerConfiguration
{
    /// <summary>Prefix of environment variables that override the file (<c>PLDISTILL_SERVER__LIMITS__MAX_STREAMS=8</c>).</summary>
    public const string EnvironmentPrefix = "PLDISTILL_SERVER__";

    /// <summary>Loads and validates the settings in <paramref name="path"/> (null: defaults and environment only).</summary>
    /// <exception cref="ServerConfigurationException">The file is missing or malformed, or a setting is bad.</exception>
    public static ServerOptions Load(string? path, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = new ConfigurationBuilder();
        string? folder = null;
        if (path is not null)
        {
            var full = Path.GetFullPath(path);
            if (!File.Exists(full))
                throw new ServerConfigurationException($"{path}: no such file");
            folder = Path.GetDirectoryName(full);
            AddFile(builder, full);
        }
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        if (overrides is not null)
            builder.AddInMemoryCollection(overrides);
        var options = Bind<ServerOptions>(Build(builder, path), path ?? "server settings");

        // Files the configuration names are found beside it, wherever the server is started from.
        string Beside(string file) => Path.IsPathRooted(file) || folder is null ? file : Path.Combine(folder, file);
        if (options.Model.Checkpoint is { Length: > 0 } checkpoint && checkpoint != ModelSettings.ShippedDefault)
            options = options with { Model = options.Model with { Checkpoint = Beside(checkpoint) } };
        if (options.Listen.TlsCertificate is { Length: > 0 } certificate)
            options = options with { Listen = options.Listen with { TlsCertificate = Beside(certificate) } };
        if (options.Listen.TlsKey is { Length: > 0 } key)
            options = options with { Listen = options.Listen with { TlsKey = Beside(key) } };
        if (options.Auth.TenantsFile is { Length: > 0 } tenantsFile)
        {
            string resolved = Beside(tenantsFile);
            if (!File.Exists(resolved))
                throw new ServerConfigurationException($"{path}: auth.tenants_file '{tenantsFile}' does not exist (looked at {resolved})");
            var fileBuilder = new ConfigurationBuilder();
            AddFile(fileBuilder, Path.GetFullPath(resolved));
            var file = Bind<TenantsFile>(Build(fileBuilder, resolved), resolved);
            try
            {
                foreach (var tenant in file.Tenants)
                    tenant.Validate();   // here, so that a bad entry names the tenants file, not the configuration
            }
            catch (ServerConfigurationException bad)
            {
                throw new ServerConfigurationException($"{resolved}: {bad.Message}", bad);
            }
            options = options with { Auth = options.Auth with { Tenants = [.. options.Auth.Tenants, .. file.Tenants] } };
        }
        try
        {
            return options.Validate();
        }
        catch (ServerConfigurationException bad) when (path is not null)
        {
            throw new ServerConfigurationException($"{path}: {bad.Message}", bad);
        }
    }

    private static void AddFile(ConfigurationBuilder builder, string fullPath)
    {
        var provider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(Path.GetDirectoryName(fullPath)!);
        string name = Path.GetFileName(fullPath);
        switch (Path.GetExtension(fullPath).ToLowerInvariant())
        {
            case ".yaml" or ".yml":
                builder.Add(new YamlConfigurationSource { FileProvider = provider, Path = name, Optional = false, ReloadOnChange = false });
                break;
            case ".json":
                builder.AddJsonFile(provider, name, optional: false, reloadOnChange: false);
                break;
            default:
                throw new ServerConfigurationException($"{fullPath}: use a .yaml, .yml or .json file");
        }
    }

    private static IConfigurationRoot Build(ConfigurationBuilder builder, string? name)
    {
        try
        {
            return builder.Build();
        }
        catch (Exception bad) when (bad is FormatException or InvalidDataException or InvalidOperationException or IOException or System.Text.Json.JsonException)
        {
            // The file provider wraps the parser's own message ("line 3, column 9: ...") in generic ones.
            var cause = bad;
            while (cause is not FormatException && cause.InnerException is not null)
                cause = cause.InnerException;
            throw new ServerConfigurationException($"{name}: {cause.Message}", bad);
        }
    }

    private static T Bind<T>(IConfiguration configuration, string name) where T : new()
    {
        try
        {
            StrictKeys.Check(configuration, typeof(T), "");
            return configuration.Get<T>() ?? new T();
        }
        catch (ServerConfigurationException unknown)
        {
            throw new ServerConfigurationException($"{name}: {unknown.Message}", unknown);
        }
        catch (InvalidOperationException bad)
        {
            // "Failed to convert configuration value 'many' at 'Limits:max_streams' to type 'System.Int32'."
            var match = ConversionFailure().Match(bad.Message);
            string detail = match.Success
                ? $"{match.Groups[2].Value.Replace(':', '.').ToLowerInvariant()} '{match.Groups[1].Value}' is not a valid {match.Groups[3].Value.Replace("System.", "", StringComparison.Ordinal)}"
                : bad.Message;
            throw new ServerConfigurationException($"{name}: {detail}", bad);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("value '(.*)' at '(.*)' to type '(.*)'")]
    private static partial System.Text.RegularExpressions.Regex ConversionFailure();

    /// <summary>The shape of a tenants file.</summary>
    internal sealed record TenantsFile
    {
        public IReadOnlyList<TenantSettings> Tenants { get; init; } = [];
    }
}
