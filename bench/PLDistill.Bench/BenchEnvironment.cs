using System.Diagnostics;
using System.Runtime.InteropServices;

namespace PLDistill.Bench;

/// <summary>Pins the process to one core when asked, describes the machine, and computes the statistics result tables report.</summary>
internal static class BenchEnvironment
{
    /// <summary>
    /// Keeps the whole process on the lowest core it may run on, every thread of it, as <c>taskset -c N</c> does (under
    /// which a run measures core N): the runtime's own threads (background JIT, GC, finalizer) then compete with the
    /// measured thread for that core, as in a one-core deployment. Threads made later inherit the pin from their maker.
    /// (Started under taskset, the runtime also sizes its GC and thread pool for one core; pinned only here, it does not.)
    /// </summary>
    public static void PinToOneCore()
    {
        if (OperatingSystem.IsLinux())
        {
            long allowed = (long)Process.GetCurrentProcess().ProcessorAffinity;
            ulong lowest = (ulong)(allowed & -allowed);
            // Process.ProcessorAffinity sets the main thread's mask only on Linux: set each thread's.
            foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                if (int.TryParse(Path.GetFileName(task), out int threadId))
                    _ = SchedSetAffinity(threadId, (nint)sizeof(ulong), ref lowest);   // a thread that ended meanwhile fails harmlessly
            }
            return;
        }
        if (OperatingSystem.IsWindows())
        {
            var process = Process.GetCurrentProcess();
            long allowed = (long)process.ProcessorAffinity;
            process.ProcessorAffinity = (nint)(allowed & -allowed);   // the lowest set bit
        }
    }

    [DllImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static extern int SchedSetAffinity(int threadId, nint maskBytes, ref ulong mask);

    public static string Describe()
    {
        string cpu = "unknown CPU";
        if (File.Exists("/proc/cpuinfo"))
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        return $"{DateTime.UtcNow:yyyy-MM-dd}, {cpu}, {Environment.ProcessorCount} cores visible, {RuntimeInformation.FrameworkDescription}";
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>The nearest-rank <paramref name="fraction"/> quantile (0.99 for p99) of <paramref name="values"/>; NaN when there are none.</summary>
    public static double Percentile(IEnumerable<double> values, double fraction)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(sorted.Length * fraction) - 1, 0, sorted.Length - 1)];
    }
}
