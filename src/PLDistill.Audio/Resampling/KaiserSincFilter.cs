namespace PLDistill.Audio.Resampling;

/// <summary>
/// The continuous prototype of the resampling low-pass: an ideal (sinc) low-pass windowed by a Kaiser window,
/// defined in seconds rather than taps so that one design serves any sampling of it.
/// </summary>
/// <remarks>
/// The cutoff sits midway in the transition band, where a windowed sinc is 6 dB down; the window's length and
/// shape come from Kaiser's design formulas for the requested attenuation A and transition width Δf:
/// <c>β = 0.1102 (A - 8.7)</c> for A &gt; 50, and <c>N = (A - 8) / (2.285 · 2π Δf)</c>, which with Δf in Hz
/// gives the length in seconds. Sampling the prototype at any rate fs gives <c>N · fs</c> taps.
/// </remarks>
public sealed class KaiserSincFilter
{
    // Half the support, and 1 / I0(β) so that the window peaks at exactly 1.
    private readonly double _halfLength;
    private readonly double _windowNorm;

    /// <summary>Designs the prototype for a passband ending at <paramref name="passbandEdgeHz"/> and a stopband from <paramref name="stopbandEdgeHz"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The edges are not 0 &lt; passband &lt; stopband, or the attenuation is not positive.</exception>
    public KaiserSincFilter(double passbandEdgeHz, double stopbandEdgeHz, double attenuationDb)
    {
        if (!(passbandEdgeHz > 0 && double.IsFinite(passbandEdgeHz)))
            throw new ArgumentOutOfRangeException(nameof(passbandEdgeHz), passbandEdgeHz, "passband edge must be positive");
        if (!(stopbandEdgeHz > passbandEdgeHz && double.IsFinite(stopbandEdgeHz)))
            throw new ArgumentOutOfRangeException(nameof(stopbandEdgeHz), stopbandEdgeHz, "stopband edge must be above the passband edge");
        if (!(attenuationDb > 0 && double.IsFinite(attenuationDb)))
            throw new ArgumentOutOfRangeException(nameof(attenuationDb), attenuationDb, "attenuation must be positive");

        CutoffHz = (passbandEdgeHz + stopbandEdgeHz) / 2;
        TransitionWidthHz = stopbandEdgeHz - passbandEdgeHz;
        AttenuationDb = attenuationDb;
        Beta = KaiserBeta(attenuationDb);
        LengthSeconds = KaiserLengthSeconds(attenuationDb, TransitionWidthHz);
        _halfLength = LengthSeconds / 2;
        _windowNorm = 1 / BesselI0(Beta);
    }

    /// <summary>The prototype a resampler with <paramref name="options"/> uses.</summary>
    public static KaiserSincFilter For(ResamplerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new KaiserSincFilter(options.PassbandEdgeHz, options.StopbandEdgeHz, options.StopbandAttenuationDb);
    }

    /// <summary>The -6 dB point of the low-pass, midway in the transition band, Hz.</summary>
    public double CutoffHz { get; }

    /// <summary>Width of the transition band, Hz.</summary>
    public double TransitionWidthHz { get; }

    /// <summary>The attenuation the window was designed for, dB.</summary>
    public double AttenuationDb { get; }

    /// <summary>The Kaiser window's shape parameter.</summary>
    public double Beta { get; }

    /// <summary>Total duration of the impulse response, seconds; it is zero outside ±<c>LengthSeconds / 2</c>.</summary>
    public double LengthSeconds { get; }

    /// <summary>
    /// The impulse response at <paramref name="timeSeconds"/> from its centre, in 1/s: its integral is 1, so
    /// <c>h(k / fs) / fs</c> are taps with (almost exactly) unit DC gain at any rate fs above twice the cutoff.
    /// </summary>
    public double Evaluate(double timeSeconds)
    {
        double t = Math.Abs(timeSeconds);
        if (t >= _halfLength)
            return 0;
        double x = t / _halfLength;
        double window = BesselI0(Beta * Math.Sqrt(1 - x * x)) * _windowNorm;
        double omegaT = 2 * Math.PI * CutoffHz * t;
        // sin(x)/x loses nothing near 0 but would divide 0 by 0 at it.
        double sinc = omegaT < 1e-9 ? 1 : Math.Sin(omegaT) / omegaT;
        return 2 * CutoffHz * sinc * window;
    }

    /// <summary>Kaiser's β for a stopband attenuation of <paramref name="attenuationDb"/> dB.</summary>
    public static double KaiserBeta(double attenuationDb) => attenuationDb switch
    {
        > 50 => 0.1102 * (attenuationDb - 8.7),
        >= 21 => 0.5842 * Math.Pow(attenuationDb - 21, 0.4) + 0.07886 * (attenuationDb - 21),
        _ => 0,
    };

    /// <summary>
    /// Kaiser's length estimate <c>(A - 8) / (2.285 · 2π Δf)</c> with Δf in Hz, i.e. in seconds: the same filter
    /// needs <c>N · fs</c> taps at rate fs.
    /// </summary>
    public static double KaiserLengthSeconds(double attenuationDb, double transitionWidthHz) =>
        Math.Max(attenuationDb - 8, 1) / (2.285 * 2 * Math.PI * transitionWidthHz);

    /// <summary>
    /// Modified Bessel function of the first kind, order 0, by its power series Σ ((x/2)^k / k!)². Every term is
    /// positive, so the sum is accurate to rounding for the arguments a Kaiser window needs (|x| &lt; 20).
    /// </summary>
    public static double BesselI0(double x)
    {
        double halfX = x / 2;
        double sum = 1;
        double term = 1; // (x/2)^k / k!
        for (int k = 1; k < 500; k++)
        {
            term *= halfX / k;
            double squared = term * term;
            sum += squared;
            if (squared < sum * 1e-17)
                break;
        }
        return sum;
    }
}
