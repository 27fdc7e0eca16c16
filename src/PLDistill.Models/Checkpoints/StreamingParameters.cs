namespace PLDistill.Models.Checkpoints;

/// <summary>How a checkpoint is meant to be run on a live stream; the engine's defaults come from here.</summary>
public sealed record StreamingParameters
{
    /// <summary>Audio between two estimates.</summary>
    public double HopMilliseconds { get; init; } = 250;

    /// <summary>Audio the LM head reads for each estimate (the last W seconds of projector outputs).</summary>
    public double WindowSeconds { get; init; } = 3.0;

    /// <summary>Encoder frames of left context per attention layer (the key/value cache length).</summary>
    public int LeftContextFrames { get; init; } = 50;
}
