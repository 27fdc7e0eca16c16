using Microsoft.Extensions.Configuration;

namespace PLDistill.Server.Configuration;

/// <summary>
/// Hop and window per stream. The engine has one hop and window per recognizer, so the server runs one engine per
/// distinct (hop, window, label set) that streams ask for, created on first use and bounded by
/// <see cref="MaxConfigurations"/>; an engine with no streams left is retired when a new configuration needs its place.
/// </summary>
public sealed record StreamingSettings
{
    /// <summary>Hop when a stream does not ask; null = the checkpoint's.</summary>
    [ConfigurationKeyName("default_hop_milliseconds")]
    public double? DefaultHopMilliseconds { get; init; }

    /// <summary>Window when a stream does not ask; null = the checkpoint's.</summary>
    [ConfigurationKeyName("default_window_seconds")]
    public double? DefaultWindowSeconds { get; init; }

    /// <summary>Shortest hop a stream may ask for.</summary>
    [ConfigurationKeyName("min_hop_milliseconds")]
    public double MinHopMilliseconds { get; init; } = 100;

    /// <summary>Longest hop a stream may ask for.</summary>
    [ConfigurationKeyName("max_hop_milliseconds")]
    public double MaxHopMilliseconds { get; init; } = 2000;

    /// <summary>Shortest window a stream may ask for.</summary>
    [ConfigurationKeyName("min_window_seconds")]
    public double MinWindowSeconds { get; init; } = 0.5;

    /// <summary>Longest window a stream may ask for; the model's own limit applies too.</summary>
    [ConfigurationKeyName("max_window_seconds")]
    public double MaxWindowSeconds { get; init; } = 8;

    /// <summary>Distinct (hop, window, label set) engines that may exist at once.</summary>
    [ConfigurationKeyName("max_configurations")]
    public int MaxConfigurations { get; init; } = 4;

    internal void Validate()
    {
        if (!(MinHopMilliseconds >= 20 && MinHopMilliseconds <= MaxHopMilliseconds && MaxHopMilliseconds <= 10_000))
            throw new ServerConfigurationException(
                $"streaming.min_hop_milliseconds {MinHopMilliseconds} / max_hop_milliseconds {MaxHopMilliseconds}: need 20 <= min <= max <= 10000");
        if (!(MinWindowSeconds >= 0.25 && MinWindowSeconds <= MaxWindowSeconds && MaxWindowSeconds <= 60))
            throw new ServerConfigurationException(
                $"streaming.min_window_seconds {MinWindowSeconds} / max_window_seconds {MaxWindowSeconds}: need 0.25 <= min <= max <= 60");
        if (DefaultHopMilliseconds is { } hop && !(hop >= MinHopMilliseconds && hop <= MaxHopMilliseconds))
            throw new ServerConfigurationException(
                $"streaming.default_hop_milliseconds {hop} is outside {MinHopMilliseconds}..{MaxHopMilliseconds}");
        if (DefaultWindowSeconds is { } window && !(window >= MinWindowSeconds && window <= MaxWindowSeconds))
            throw new ServerConfigurationException(
                $"streaming.default_window_seconds {window} is outside {MinWindowSeconds}..{MaxWindowSeconds}");
        if (MaxConfigurations is < 1 or > 64)
            throw new ServerConfigurationException($"streaming.max_configurations {MaxConfigurations}: must be 1..64");
    }
}
