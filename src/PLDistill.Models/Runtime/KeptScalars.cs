using TorchSharp;

namespace PLDistill.Models.Runtime;

/// <summary>
/// Scalars that live as long as the process, for the libtorch calls that take one (the <c>alpha</c> of an addition,
/// a fill value).
/// </summary>
/// <remarks>
/// Never let TorchSharp 0.107 make a Scalar for you: <c>x * 0.5f</c>, <c>a + b</c> (its hidden <c>alpha = 1</c>),
/// <c>x.square()</c>, <c>masked_fill(mask, 0)</c> each create one that only the finalizer frees, and a garbage collection
/// on another thread can free it while libtorch is still reading it (dotnet/TorchSharp#1434; we saw
/// "Scalar.h INTERNAL ASSERT FAILED" and "Unknown scalar type"). Keep every Scalar in a static or instance field, or in
/// a <c>using var s = value.ToScalar();</c> local that outlives the call. The test suites' ScalarLifetimeAudit fails on
/// any other kind. Fields here are static readonly, so each is created once, on first use, after libtorch is loaded.
/// </remarks>
public static class KeptScalars
{
    /// <summary>0 (an int, so it never promotes an integer tensor).</summary>
    public static readonly Scalar Zero = 0.ToScalar();

    /// <summary>1: the <c>alpha</c> of a plain addition, <c>a.add(b, One)</c>.</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>-∞, the additive mask value and the floor of a log-domain maximum.</summary>
    public static readonly Scalar NegativeInfinity = float.NegativeInfinity.ToScalar();
}
