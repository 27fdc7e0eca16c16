using PLDistill.Models.Runtime;

namespace PLDistill.Server.Configuration;

/// <summary>The student the server runs.</summary>
public sealed record ModelSettings
{
    /// <summary>The name that stands for the shipped default student rather than a file.</summary>
    public const string ShippedDefault = "default";

    /// <summary>
    /// A student checkpoint path, or "default" for the shipped one. A relative path in a configuration file is found beside
    /// that file, as its other files are.
    /// </summary>
    public string Checkpoint { get; init; } = ShippedDefault;

    /// <summary>float32 (as trained) or bfloat16 (faster on CPUs with AVX512-BF16 or AMX and on GPUs; see the README).</summary>
    public string Precision { get; init; } = "float32";

    /// <summary><see cref="Precision"/> parsed.</summary>
    /// <exception cref="ServerConfigurationException">It names no precision.</exception>
    public InferencePrecision ParsedPrecision => Precision.Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" => InferencePrecision.Float32,
        "bfloat16" or "bf16" => InferencePrecision.BFloat16,
        _ => throw new ServerConfigurationException($"model.precision '{Precision}': use float32 or bfloat16"),
    };

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Checkpoint))
            throw new ServerConfigurationException("model.checkpoint is empty; use a path or 'default'");
        _ = ParsedPrecision;
    }
}
