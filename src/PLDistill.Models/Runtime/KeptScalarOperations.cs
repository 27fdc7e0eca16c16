using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Models.Runtime;

/// <summary>
/// Tensor arithmetic with .NET numbers, each number kept alive as a Scalar until libtorch has finished with it.
/// </summary>
/// <remarks>
/// TorchSharp's own <c>a + b</c>, <c>x + 1</c>, <c>x * 0.5</c>, <c>x.ge(0)</c> and <c>arange(n)</c> make Scalars that only the
/// finalizer frees, and a garbage collection can free one mid-call (see <see cref="KeptScalars"/>). These do the same
/// arithmetic with a Scalar in a <c>using</c> local, disposed after the call returns. The names differ from TorchSharp's
/// because C# would otherwise pick TorchSharp's instance method through the implicit conversion.
/// </remarks>
public static class KeptScalarOperations
{
    /// <summary>a + b.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, KeptScalars.One);

    /// <summary>x + value (an integer keeps an integer tensor integral).</summary>
    public static Tensor Plus(this Tensor x, long value)
    {
        using var kept = value.ToScalar();
        return x.add(kept, KeptScalars.One);
    }

    /// <summary>x − value.</summary>
    public static Tensor Minus(this Tensor x, long value)
    {
        using var kept = value.ToScalar();
        return x.sub(kept);
    }

    /// <summary>x · value.</summary>
    public static Tensor Times(this Tensor x, double value)
    {
        using var kept = value.ToScalar();
        return x.mul(kept);
    }

    /// <summary>x / value.</summary>
    public static Tensor DividedBy(this Tensor x, double value)
    {
        using var kept = value.ToScalar();
        return x.div(kept);
    }

    /// <summary>x ≥ value, elementwise.</summary>
    public static Tensor IsAtLeast(this Tensor x, long value)
    {
        using var kept = value.ToScalar();
        return x.ge(kept);
    }

    /// <summary>x ≤ value, elementwise.</summary>
    public static Tensor IsAtMost(this Tensor x, long value)
    {
        using var kept = value.ToScalar();
        return x.le(kept);
    }

    /// <summary>⌊x / divisor⌋, elementwise.</summary>
    public static Tensor FloorDividedBy(this Tensor x, long divisor)
    {
        using var kept = divisor.ToScalar();
        return x.div(kept, rounding_mode: RoundingMode.floor);
    }

    /// <summary>x mod divisor (the sign of the divisor, as Python's %).</summary>
    public static Tensor Modulo(this Tensor x, long divisor)
    {
        using var kept = divisor.ToScalar();
        return x.remainder(kept);
    }

    /// <summary>x limited to [minimum, maximum].</summary>
    public static Tensor ClampedTo(this Tensor x, long minimum, long maximum)
    {
        using var low = minimum.ToScalar();
        using var high = maximum.ToScalar();
        return x.clamp(low, high);
    }

    /// <summary>max(x, minimum), elementwise.</summary>
    public static Tensor NotBelow(this Tensor x, double minimum)
    {
        using var kept = minimum.ToScalar();
        return x.clamp_min(kept);
    }

    /// <summary>x with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public static Tensor FilledWhere(this Tensor x, Tensor mask, double value)
    {
        using var kept = value.ToScalar();
        return x.masked_fill(mask, kept);
    }

    /// <summary>0, 1, …, count − 1 as int64 on <paramref name="device"/>.</summary>
    public static Tensor Positions(long count, Device device)
    {
        using var stop = count.ToScalar();
        return arange(KeptScalars.Zero, stop, KeptScalars.One, dtype: int64, device: device); // the short overloads make their own start and step
    }

    /// <summary>start, start + 1, …, stop − 1 as int64 on <paramref name="device"/>.</summary>
    public static Tensor Positions(long start, long stop, Device device)
    {
        using var first = start.ToScalar();
        using var end = stop.ToScalar();
        return arange(first, end, KeptScalars.One, dtype: int64, device: device);
    }
}
