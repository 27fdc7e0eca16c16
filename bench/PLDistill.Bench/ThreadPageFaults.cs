using System.Runtime.InteropServices;

namespace PLDistill.Bench;

/// <summary>
/// Minor page faults of the calling thread so far (getrusage, RUSAGE_THREAD): a run that touches memory the kernel has
/// not mapped yet (a fresh heap extension, a region the GC gave back) pays for each page here, and in a virtual machine
/// a fault can cost tens of microseconds. Linux only; elsewhere <see cref="Count"/> is 0.
/// </summary>
internal static class ThreadPageFaults
{
    public static long Count()
    {
        if (!OperatingSystem.IsLinux())
            return 0;
        return getrusage(RusageThread, out var usage) == 0 ? usage.MinorFaults : 0;
    }

    private const int RusageThread = 1;

    // struct rusage on 64-bit Linux: two timevals, then 14 longs; ru_minflt is the fifth of them.
    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceUsage
    {
        public long UserSeconds, UserMicroseconds, SystemSeconds, SystemMicroseconds;
        public long MaxResidentKilobytes, SharedText, UnsharedData, UnsharedStack;
        public long MinorFaults, MajorFaults, Swaps, BlockReads, BlockWrites, MessagesSent, MessagesReceived, Signals;
        public long VoluntarySwitches, InvoluntarySwitches;
    }

    [DllImport("libc.so.6", EntryPoint = "getrusage")]
    private static extern int getrusage(int who, out ResourceUsage usage);
}
