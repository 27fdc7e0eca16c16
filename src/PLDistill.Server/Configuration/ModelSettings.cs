namespace PLDistill.Server.Configuration;

/// <summary>The student the server runs.</summary>
public sealed record ModelSettings
{
    /// <summary>A student checkpoint path, or "default" for the shipped one.</summary>
    public string Checkpoint { get; init; } = "default";

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Checkpoint))
            throw new ServerConfigurationException("model.checkpoint is empty; use a path or 'default'");
    }
}
