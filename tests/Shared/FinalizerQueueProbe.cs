using static TorchSharp.torch;

namespace PLDistill.Testing;

/// <summary>
/// Counts the objects a piece of code leaves for the finalizer thread: made, dropped, and never taken off the
/// finalization queue (see FinalizerFreeOperations for why the inference path must leave none).
/// </summary>
/// <remarks>
/// An induced full collection reports how many dead objects it found still registered for finalization; collecting and
/// draining the finalizer first makes that number the code's alone, give or take a few of the host's own (the test
/// assemblies run their collections one at a time; pld-bench links this file for its "left for the finalizer" line).
/// </remarks>
public static class FinalizerQueueProbe
{
    /// <summary>Objects left for the finalizer by <paramref name="runs"/> runs of <paramref name="once"/>, each without gradients in its own dispose scope.</summary>
    public static long LeftBy(Action once, int runs)
    {
        for (int warmUp = 0; warmUp < 3; warmUp++)   // first calls may fill caches (JIT, libtorch) once for the process
            Run(once);
        for (int drain = 0; drain < 2; drain++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        GC.Collect();
        for (int run = 0; run < runs; run++)
            Run(once);
        GC.Collect();
        long left = GC.GetGCMemoryInfo(GCKind.FullBlocking).FinalizationPendingCount;
        GC.WaitForPendingFinalizers();
        return left;
    }

    private static void Run(Action once)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        once();
    }
}
