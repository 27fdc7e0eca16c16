using PLDistill.Audio.Data;

namespace PLDistill.Server.Engines;

/// <summary>What makes two streams able to share an engine: the same hop, window and label set.</summary>
public sealed record EngineKey(double HopMilliseconds, double WindowSeconds, EmotionLabelSet Labels)
{
    /// <inheritdoc />
    public override string ToString() => $"hop {HopMilliseconds:0.###} ms, window {WindowSeconds:0.###} s, {Labels.Name}";
}
