namespace PLDistill.Models.Features;

/// <summary>
/// Log-mel front-end settings. Times are given in milliseconds and turned into sample counts by exact division,
/// so a window that does not fall on a whole sample is rejected rather than rounded.
/// </summary>
public sealed record LogMelOptions
{
    /// <summary>Audio sample rate in Hz (the front end resamples everything to this).</summary>
    public int SampleRate { get; init; } = 16_000;

    /// <summary>Analysis window length in ms (Hann).</summary>
    public double WindowMilliseconds { get; init; } = 25;

    /// <summary>Hop between frames in ms.</summary>
    public double HopMilliseconds { get; init; } = 10;

    /// <summary>FFT size in samples (>= window length; the window is zero-padded).</summary>
    public int FftSize { get; init; } = 512;

    /// <summary>Number of mel bands.</summary>
    public int MelBins { get; init; } = 80;

    /// <summary>Lowest filter edge in Hz.</summary>
    public double MinFrequency { get; init; }

    /// <summary>Highest filter edge in Hz; null = Nyquist.</summary>
    public double? MaxFrequency { get; init; }

    /// <summary>Power floor before the natural log, so silence maps to a finite value (ln 1e-10 ≈ -23).</summary>
    public double LogFloor { get; init; } = 1e-10;

    /// <summary>Mel mapping.</summary>
    public MelScale Scale { get; init; } = MelScale.Slaney;

    /// <summary>Window length in samples.</summary>
    public int WindowLengthSamples => ExactSamples(WindowMilliseconds, nameof(WindowMilliseconds));

    /// <summary>Hop length in samples.</summary>
    public int HopLengthSamples => ExactSamples(HopMilliseconds, nameof(HopMilliseconds));

    /// <summary>Frames per second of audio.</summary>
    public double FramesPerSecond => (double)SampleRate / HopLengthSamples;

    /// <summary>Number of one-sided FFT bins.</summary>
    public int FrequencyBins => FftSize / 2 + 1;

    /// <summary>Frames a signal of <paramref name="samples"/> samples yields (frames must lie wholly inside it).</summary>
    public int FrameCount(long samples) =>
        samples < WindowLengthSamples ? 0 : checked((int)(1 + (samples - WindowLengthSamples) / HopLengthSamples));

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad setting.</summary>
    public LogMelOptions Validate()
    {
        if (SampleRate is < 8_000 or > 192_000)
            throw new ArgumentOutOfRangeException(nameof(SampleRate), SampleRate, "must be 8000..192000 Hz");
        int window = WindowLengthSamples, hop = HopLengthSamples;
        if (hop < 1 || hop > window)
            throw new ArgumentOutOfRangeException(nameof(HopMilliseconds), HopMilliseconds, "hop must be at least one sample and at most the window");
        if (FftSize < window)
            throw new ArgumentOutOfRangeException(nameof(FftSize), FftSize, $"must be >= the window ({window} samples)");
        if (MelBins is < 1 or > 512)
            throw new ArgumentOutOfRangeException(nameof(MelBins), MelBins, "must be 1..512");
        // Negated comparisons, so that a NaN (YAML .nan) fails them too.
        double top = MaxFrequency ?? SampleRate / 2.0;
        if (!(MinFrequency >= 0 && top > MinFrequency && top <= SampleRate / 2.0))
            throw new ArgumentOutOfRangeException(nameof(MaxFrequency), top, $"need 0 <= MinFrequency ({MinFrequency}) < MaxFrequency <= {SampleRate / 2.0}");
        if (!(double.IsFinite(LogFloor) && LogFloor > 0))
            throw new ArgumentOutOfRangeException(nameof(LogFloor), LogFloor, "must be a finite number > 0");
        return this;
    }

    private int ExactSamples(double milliseconds, string name)
    {
        double samples = milliseconds * SampleRate / 1000.0;
        int rounded = (int)Math.Round(samples);
        if (rounded < 1 || Math.Abs(samples - rounded) > 1e-9)
            throw new ArgumentOutOfRangeException(name, milliseconds, $"{milliseconds} ms is not a whole number of samples at {SampleRate} Hz");
        return rounded;
    }
}
