namespace PLDistill.Models.Lalm;

/// <summary>Shape of the audio encoder: convolutional subsampling, then transformer blocks.</summary>
public sealed record EncoderConfig
{
    /// <summary>Input log-mel bands.</summary>
    public int MelBins { get; init; } = 80;

    /// <summary>Mel frames merged into one encoder frame (100 fps / 4 = 25 fps, as Whisper after pooling).</summary>
    public int Subsampling { get; init; } = 4;

    /// <summary>Model width.</summary>
    public int Width { get; init; } = 128;

    /// <summary>Transformer blocks.</summary>
    public int Layers { get; init; } = 3;

    /// <summary>Attention heads (Width must divide by it).</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Feed-forward width as a multiple of <see cref="Width"/>.</summary>
    public int FeedForwardMultiplier { get; init; } = 4;

    /// <summary>
    /// Streaming encoders: each frame attends to itself and this many earlier frames, never ahead, so a stream can be
    /// encoded frame by frame with a bounded key/value cache. Null: full-context bidirectional attention (teachers).
    /// </summary>
    public int? LeftContextFrames { get; init; } = 50;

    /// <summary>Largest relative distance with its own position bias in full-context attention; farther pairs share the edge value.</summary>
    public int MaxRelativeDistance { get; init; } = 64;

    /// <summary>Dropout in training.</summary>
    public double Dropout { get; init; } = 0.1;

    /// <summary>True when this encoder can run incrementally.</summary>
    public bool IsStreamable => LeftContextFrames is not null;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad field.</summary>
    public EncoderConfig Validate()
    {
        Require(MelBins is >= 1 and <= 512, nameof(MelBins), MelBins);
        Require(Subsampling is >= 1 and <= 16, nameof(Subsampling), Subsampling);
        Require(Width >= 8 && Heads >= 1 && Width % Heads == 0, nameof(Width), Width, "must be >= 8 and divisible by Heads");
        Require(Layers is >= 1 and <= 64, nameof(Layers), Layers);
        Require(FeedForwardMultiplier is >= 1 and <= 16, nameof(FeedForwardMultiplier), FeedForwardMultiplier);
        Require(LeftContextFrames is null or (>= 1 and <= 4096), nameof(LeftContextFrames), LeftContextFrames);
        Require(MaxRelativeDistance is >= 1 and <= 4096, nameof(MaxRelativeDistance), MaxRelativeDistance);
        Require(Dropout is >= 0 and < 1, nameof(Dropout), Dropout);
        return this;
    }

    internal static void Require(bool ok, string name, object? value, string rule = "is out of range")
    {
        if (!ok)
            throw new ArgumentOutOfRangeException(name, value, $"{name} {rule}");
    }
}
