using Microsoft.Extensions.Logging;

namespace PLDistill.Server.Configuration;

/// <summary>Console logs: one line per event as text, or one JSON object per line (for log shippers).</summary>
public sealed record LogSettings
{
    /// <summary>text or json.</summary>
    public string Format { get; init; } = "text";

    /// <summary>Least severe level written: trace, debug, information, warning, error, critical, none.</summary>
    public string Level { get; init; } = "information";

    /// <summary>True for JSON lines.</summary>
    public bool Json => Format.Equals("json", StringComparison.OrdinalIgnoreCase);

    /// <summary>The parsed <see cref="Level"/>.</summary>
    public LogLevel MinimumLevel => Enum.TryParse<LogLevel>(Level, ignoreCase: true, out var level) && Enum.IsDefined(level) ? level
        : throw new ServerConfigurationException($"logging.level '{Level}': use trace, debug, information, warning, error, critical or none");

    internal void Validate()
    {
        if (!Format.Equals("json", StringComparison.OrdinalIgnoreCase) && !Format.Equals("text", StringComparison.OrdinalIgnoreCase))
            throw new ServerConfigurationException($"logging.format '{Format}': use text or json");
        _ = MinimumLevel;
    }
}
