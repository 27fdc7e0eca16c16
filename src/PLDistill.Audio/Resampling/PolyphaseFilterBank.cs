namespace PLDistill.Audio.Resampling;

/// <summary>
/// The prototype low-pass sampled at the input rate for a set of fractional delays, one row of taps per delay.
/// Row <c>r</c> holds the taps for an output that sits <c>r / fractionDenominator</c> of an input sample after
/// input sample <c>i</c>; its taps apply to input samples <c>i - (HalfTaps - 1)</c> .. <c>i + HalfTaps</c>,
/// in that order, so a row and a slice of history meet in one dot product.
/// </summary>
internal sealed class PolyphaseFilterBank
{
    private readonly float[] _taps;

    /// <summary>Samples <paramref name="prototype"/> at <paramref name="inputRate"/> for delays <c>r / fractionDenominator</c>, r = 0 .. rowCount - 1.</summary>
    public PolyphaseFilterBank(KaiserSincFilter prototype, int inputRate, int rowCount, int fractionDenominator)
    {
        // Half the support in input samples, rounded up: any delay in [0, 1] then finds every non-zero tap
        // among the 2 * HalfTaps samples around it.
        HalfTaps = Math.Max(1, (int)Math.Ceiling(prototype.LengthSeconds * inputRate / 2));
        TapCount = 2 * HalfTaps;
        RowCount = rowCount;
        _taps = new float[checked(rowCount * TapCount)];

        var row = new double[TapCount];
        for (int r = 0; r < rowCount; r++)
        {
            double delay = (double)r / fractionDenominator;
            for (int m = 0; m < TapCount; m++)
            {
                double distance = delay - (m - (HalfTaps - 1)); // in input samples, output minus input
                row[m] = prototype.Evaluate(distance / inputRate);
            }
            // The tap nearest the output instant is the largest; it absorbs the rounding left after normalising.
            int centre = delay < 0.5 ? HalfTaps - 1 : HalfTaps;
            NormaliseToUnitSum(row, _taps.AsSpan(r * TapCount, TapCount), centre);
        }
    }

    /// <summary>Taps on each side of the output instant; also the look-ahead, in input samples.</summary>
    public int HalfTaps { get; }

    /// <summary>Taps per row: <c>2 * HalfTaps</c>.</summary>
    public int TapCount { get; }

    /// <summary>Number of rows (fractional delays).</summary>
    public int RowCount { get; }

    /// <summary>The taps for delay <c>row / fractionDenominator</c>.</summary>
    public ReadOnlySpan<float> Row(int row) => new(_taps, row * TapCount, TapCount);

    // Unit sum per row makes the DC gain exactly 1 whatever the delay: the sampled sinc's own sum wanders by
    // about the stopband ripple, which would otherwise show up as a faint tone at the phase-pattern frequency.
    private static void NormaliseToUnitSum(ReadOnlySpan<double> row, Span<float> destination, int centre)
    {
        double sum = 0;
        foreach (double tap in row)
            sum += tap;
        double scale = 1 / sum;
        double roundedSum = 0;
        for (int m = 0; m < row.Length; m++)
        {
            destination[m] = (float)(row[m] * scale);
            roundedSum += destination[m];
        }
        destination[centre] = (float)(destination[centre] + (1 - roundedSum));
    }
}
