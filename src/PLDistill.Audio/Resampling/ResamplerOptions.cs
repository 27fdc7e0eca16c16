using PLDistill.Audio.Formats;

namespace PLDistill.Audio.Resampling;

/// <summary>
/// What a resampler must do: the two sample rates and the quality of its anti-aliasing filter.
/// Immutable and validated on construction, so a resampler can trust it.
/// </summary>
/// <remarks>
/// The filter works against the <em>lower</em> of the two Nyquist frequencies: its stopband starts exactly there,
/// so nothing above it can alias into the output band (downsampling) and no image of the input spectrum
/// survives (upsampling). The passband ends at <see cref="PassbandFraction"/> of that frequency; the
/// transition band between the two is what the filter length pays for.
/// </remarks>
public sealed record ResamplerOptions
{
    /// <summary>Lowest sample rate accepted on either side, in Hz (same as <see cref="PcmFormat.MinSampleRate"/>).</summary>
    public const int MinSampleRate = PcmFormat.MinSampleRate;
    /// <summary>Highest sample rate accepted on either side, in Hz (same as <see cref="PcmFormat.MaxSampleRate"/>).</summary>
    public const int MaxSampleRate = PcmFormat.MaxSampleRate;

    /// <summary>Default passband edge as a fraction of the lower Nyquist frequency: 0.9 (7.2 kHz at 16 kHz output).</summary>
    public const double DefaultPassbandFraction = 0.9;
    /// <summary>Smallest accepted <see cref="PassbandFraction"/>.</summary>
    public const double MinPassbandFraction = 0.5;
    /// <summary>
    /// Largest accepted <see cref="PassbandFraction"/>; closer to 1 the filter length grows as 1 / (1 - fraction)
    /// and stops being useful for real-time work.
    /// </summary>
    public const double MaxPassbandFraction = 0.98;

    /// <summary>
    /// Default stopband attenuation in dB. Kaiser's formulas land within about a dB of the target, so a 90 dB design
    /// would not quite hold 90 dB at the first sidelobe; 100 dB costs 11 % more taps and the tests assert 99 dB.
    /// </summary>
    public const double DefaultStopbandAttenuationDb = 100;
    /// <summary>Smallest accepted <see cref="StopbandAttenuationDb"/>.</summary>
    public const double MinStopbandAttenuationDb = 40;
    /// <summary>Largest accepted <see cref="StopbandAttenuationDb"/>: single-precision arithmetic cannot deliver more.</summary>
    public const double MaxStopbandAttenuationDb = 120;

    /// <summary>
    /// Creates validated options; throws <see cref="ArgumentOutOfRangeException"/> naming the bad parameter.
    /// </summary>
    /// <param name="inputRate">Sample rate of the input, Hz, <see cref="MinSampleRate"/>..<see cref="MaxSampleRate"/>.</param>
    /// <param name="outputRate">Sample rate of the output, Hz, same range.</param>
    /// <param name="passbandFraction">Passband edge as a fraction of the lower Nyquist frequency.</param>
    /// <param name="stopbandAttenuationDb">Design attenuation of the stopband, dB.</param>
    public ResamplerOptions(
        int inputRate,
        int outputRate,
        double passbandFraction = DefaultPassbandFraction,
        double stopbandAttenuationDb = DefaultStopbandAttenuationDb)
    {
        if (inputRate is < MinSampleRate or > MaxSampleRate)
            throw new ArgumentOutOfRangeException(nameof(inputRate), inputRate,
                $"input rate must be {MinSampleRate}..{MaxSampleRate} Hz");
        if (outputRate is < MinSampleRate or > MaxSampleRate)
            throw new ArgumentOutOfRangeException(nameof(outputRate), outputRate,
                $"output rate must be {MinSampleRate}..{MaxSampleRate} Hz");
        // Written as !(in range) so that NaN is rejected too.
        if (!(passbandFraction >= MinPassbandFraction && passbandFraction <= MaxPassbandFraction))
            throw new ArgumentOutOfRangeException(nameof(passbandFraction), passbandFraction,
                $"passband fraction must be {MinPassbandFraction}..{MaxPassbandFraction}");
        if (!(stopbandAttenuationDb >= MinStopbandAttenuationDb && stopbandAttenuationDb <= MaxStopbandAttenuationDb))
            throw new ArgumentOutOfRangeException(nameof(stopbandAttenuationDb), stopbandAttenuationDb,
                $"stopband attenuation must be {MinStopbandAttenuationDb}..{MaxStopbandAttenuationDb} dB");

        InputRate = inputRate;
        OutputRate = outputRate;
        PassbandFraction = passbandFraction;
        StopbandAttenuationDb = stopbandAttenuationDb;
    }

    /// <summary>Sample rate of the input, Hz.</summary>
    public int InputRate { get; }

    /// <summary>Sample rate of the output, Hz.</summary>
    public int OutputRate { get; }

    /// <summary>Passband edge as a fraction of the lower Nyquist frequency.</summary>
    public double PassbandFraction { get; }

    /// <summary>Design attenuation of the stopband, dB.</summary>
    public double StopbandAttenuationDb { get; }

    /// <summary>True when the rates are equal and samples pass through untouched.</summary>
    public bool IsIdentity => InputRate == OutputRate;

    /// <summary>Where the stopband starts: the lower of the two Nyquist frequencies, Hz.</summary>
    public double StopbandEdgeHz => Math.Min(InputRate, OutputRate) / 2.0;

    /// <summary>Where the passband ends, Hz.</summary>
    public double PassbandEdgeHz => PassbandFraction * StopbandEdgeHz;

    /// <summary>
    /// Output samples a whole stream of <paramref name="inputLength"/> samples yields:
    /// <c>ceil(inputLength * OutputRate / InputRate)</c>, one for every output instant before the input ends.
    /// </summary>
    public long OutputLengthFor(long inputLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputLength);
        // inputLength * 192000 overflows only beyond ~1.5 years of 192 kHz audio; checked anyway.
        return checked((inputLength * OutputRate + InputRate - 1) / InputRate);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{InputRate} Hz -> {OutputRate} Hz (passband {PassbandFraction:0.###}, stopband {StopbandAttenuationDb:0.#} dB)";
}
