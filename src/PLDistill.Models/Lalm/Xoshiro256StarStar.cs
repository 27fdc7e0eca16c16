namespace PLDistill.Models.Lalm;

/// <summary>
/// The xoshiro256** generator (Blackman and Vigna, 2018): 64 random bits an output in a few instructions, with a state
/// seeded by SplitMix64 from a seed and a stream index, so that independent streams come from one seed.
/// </summary>
internal struct Xoshiro256StarStar
{
    private ulong s0, s1, s2, s3;

    /// <summary>Stream <paramref name="stream"/> of <paramref name="seed"/>.</summary>
    public Xoshiro256StarStar(ulong seed, ulong stream)
    {
        ulong x = seed ^ (stream * 0xD1B54A32D192ED03UL);
        s0 = SplitMix64(ref x);
        s1 = SplitMix64(ref x);
        s2 = SplitMix64(ref x);
        s3 = SplitMix64(ref x);
    }

    /// <summary>Fills <paramref name="destination"/> with the next 64-bit outputs.</summary>
    /// <remarks>The state lives in locals for the loop, which the JIT keeps in registers (a field per step halves the speed).</remarks>
    public void Fill(Span<ulong> destination)
    {
        ulong a = s0, b = s1, c = s2, d = s3;
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = ulong.RotateLeft(b * 5, 7) * 9;
            ulong t = b << 17;
            c ^= a;
            d ^= b;
            b ^= c;
            a ^= d;
            c ^= t;
            d = ulong.RotateLeft(d, 45);
        }
        (s0, s1, s2, s3) = (a, b, c, d);
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
