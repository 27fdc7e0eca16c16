using System.Runtime.InteropServices;

namespace PLDistill.Models.Runtime;

/// <summary>
/// Fixes glibc malloc's mmap and trim thresholds for libtorch's tensor buffers, once per process.
/// </summary>
/// <remarks>
/// By default glibc moves its mmap threshold as blocks are freed, so libtorch's per-op buffers (hundreds of KB for a 3 s
/// clip, megabytes in training) land now on the heap, now in a fresh mmap that the kernel must zero page by page, and
/// the top of the heap is handed back after every large free. Which way a process goes is settled early and at random:
/// the shipped student's per-clip p50 (<c>pld-bench clip cpu 3 300 none …</c>) was 4.0–12.3 ms over six processes with
/// glibc's default and 3.9–4.5 ms over six with fixed thresholds. Freed memory the heap keeps is bounded by
/// <see cref="TrimThresholdBytes"/>. A user's own <c>MALLOC_*_</c> or <c>GLIBC_TUNABLES</c> settings win: then nothing
/// is changed.
/// </remarks>
public static class NativeAllocatorTuning
{
    /// <summary>Blocks below this come from the heap and are reused; larger ones get their own mmap (glibc's ceiling for its adaptive threshold).</summary>
    public const int MmapThresholdBytes = 32 << 20;

    /// <summary>The heap returns its free top to the kernel only past this much.</summary>
    public const int TrimThresholdBytes = 128 << 20;

    /// <summary>Environment variables by which a user tunes glibc malloc directly; any of them set leaves malloc alone.</summary>
    public static readonly string[] UserSettings = ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES"];

    // mallopt(3) parameters.
    private const int TrimThreshold = -1, MmapThreshold = -3;

    /// <summary>Sets both thresholds on glibc Linux; false (and nothing changed) elsewhere, or where the user tunes malloc.</summary>
    public static bool Apply() => Apply(Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="Apply()"/>, reading the user's settings through <paramref name="environment"/>.</summary>
    internal static bool Apply(Func<string, string?> environment)
    {
        if (!OperatingSystem.IsLinux() || UserSettings.Any(name => environment(name) is not null))
            return false;
        try
        {
            // glibc's mallopt returns 1 on success.
            return mallopt(MmapThreshold, MmapThresholdBytes) == 1 && mallopt(TrimThreshold, TrimThresholdBytes) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    // glibc's soname: elsewhere (musl) the library is not found and nothing is changed.
    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);
}
