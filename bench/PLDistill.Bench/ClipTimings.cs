namespace PLDistill.Bench;

/// <summary>
/// The timed runs of one per-clip workload, with what the runtime and the kernel did during each: whether a garbage
/// collection ran inside it, and how many page faults it took. Those are the two causes of a tail that the bench can
/// see (on the 2-core VM a collection inside a student run costs 2–4 ms, a run with a hundred faults about as much), so
/// the table gives the p99 of the runs that had neither beside the plain p99.
/// </summary>
/// <param name="Milliseconds">Wall time of each timed run.</param>
/// <param name="Collected">Whether a collection (of any generation) ran during that run.</param>
/// <param name="PageFaults">Minor page faults the timing thread took during that run.</param>
/// <param name="ManagedBytesPerRun">Managed bytes the timing thread allocated per run, averaged over the timed runs.</param>
/// <param name="GcPauseMilliseconds">Time the runtime held every thread suspended for collections during the timed runs.</param>
internal sealed record ClipTimings(IReadOnlyList<double> Milliseconds, IReadOnlyList<bool> Collected, IReadOnlyList<long> PageFaults,
                                   long ManagedBytesPerRun, double GcPauseMilliseconds)
{
    public double P50 => BenchEnvironment.Percentile(Milliseconds, 0.5);

    public double P99 => BenchEnvironment.Percentile(Milliseconds, 0.99);

    public double Mean => Milliseconds.Average();

    public int RunsWithCollection => Collected.Count(collected => collected);

    public int RunsWithPageFaults => PageFaults.Count(faults => faults > 0);

    /// <summary>The p99 of the runs with no collection and no page fault: what is left of the tail without those two.</summary>
    public double QuietP99
    {
        get
        {
            var quiet = Milliseconds.Where((_, run) => !Collected[run] && PageFaults[run] == 0).ToList();
            return quiet.Count == 0 ? double.NaN : BenchEnvironment.Percentile(quiet, 0.99);
        }
    }

    public const string Header =
        "| model | parameters | p50 ms | p99 ms | mean ms | p99 / p50 | runs with a GC | GC pause ms, all runs | runs with page faults | p99 ms of the other runs | managed KB per run |\n" +
        "|---|---|---|---|---|---|---|---|---|---|---|";

    /// <summary>One Markdown row in the order of <see cref="Header"/>.</summary>
    public string Row(string name, string parameters) =>
        $"| {name} | {parameters} | {P50:F2} | {P99:F2} | {Mean:F2} | {P99 / P50:F2} | {RunsWithCollection} | " +
        $"{GcPauseMilliseconds:F1} | {RunsWithPageFaults} | {QuietP99:F2} | {ManagedBytesPerRun / 1024.0:F1} |";
}
