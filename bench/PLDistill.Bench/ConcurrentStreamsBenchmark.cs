using System.Collections.Concurrent;
using System.Diagnostics;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using PLDistill.Streaming.Engine;
using PLDistill.Streaming.Inference;
using static TorchSharp.torch;

namespace PLDistill.Bench;

/// <summary>
/// N live streams at real-time pace through the whole engine (hop queues, dynamic batching, incremental student,
/// observables), for growing N. A load is real-time while the p99 end-to-end latency (hop's last sample written to
/// estimate published) plus the p99 send lag (how late the producers wrote a hop after its audio was due: a starved
/// producer would hide latency before the write) stays within one hop, every estimate arrives, and no hop is dropped or
/// coalesced. Reports the largest such N.
/// </summary>
internal static class ConcurrentStreamsBenchmark
{
    private static readonly int[] Loads = [1, 10, 20, 30, 40, 50, 60, 80, 100, 130, 160, 200, 260, 330, 420, 540, 700, 900, 1200, 1600, 2000, 2600, 3300];

    public static async Task RunAsync(Device device, double seconds, string? checkpoint)
    {
        var (model, features, streaming, description) = StudentFactory.Load(checkpoint);
        Console.WriteLine($"# concurrent real-time streams: {BenchEnvironment.Describe()}, device {device.type}, torch threads {get_num_threads()}");
        Console.WriteLine($"# model: {description}; window {streaming.WindowSeconds} s, hop {streaming.HopMilliseconds} ms; {seconds} s per load, first 3 s not counted");
        Console.WriteLine("| streams | estimates | e2e p50 ms | e2e p99 ms | send lag p99 ms | model p99 ms | mean batch | dropped | coalesced | real-time |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        int best = 0;
        foreach (int load in Loads)
        {
            var result = await RunLoadAsync(model, features, streaming, device, load, seconds);
            bool realTime = result.P99 + result.LagP99 <= streaming.HopMilliseconds && result.Estimates == result.Expected
                            && result.Dropped == 0 && result.Coalesced == 0;
            Console.WriteLine($"| {load} | {result.Estimates} of {result.Expected} | {result.P50:F1} | {result.P99:F1} | {result.LagP99:F1} | {result.ModelP99:F1} | {result.MeanBatch:F1} | {result.Dropped} | {result.Coalesced} | {(realTime ? "yes" : "no")} |");
            if (!realTime)
                break;
            best = load;
        }
        Console.WriteLine($"largest real-time load: {best} streams");
    }

    private sealed record LoadResult(int Estimates, int Expected, double P50, double P99, double LagP99, double ModelP99, double MeanBatch, long Dropped, long Coalesced);

    private static async Task<LoadResult> RunLoadAsync(AudioLanguageModel model, LogMelOptions features,
        StreamingParameters streaming, Device device, int streams, double seconds)
    {
        var recognizer = new StreamingStudent(model, features, streaming, StudentFactory.Labels, device, streams);
        var options = new EngineOptions { MaxBatchStreams = 512, MaxBatchWait = TimeSpan.FromMilliseconds(5), QueueHops = 8 };
        var engine = new EmotionEngine(recognizer, options);
        var endToEnd = new ConcurrentBag<double>();
        var modelLatency = new ConcurrentBag<double>();
        var sendLag = new ConcurrentBag<double>();
        var warmUp = TimeSpan.FromSeconds(3);
        using var watch = engine.Estimates.Subscribe(e =>
        {
            if (e.AudioEnd <= warmUp)
                return;
            endToEnd.Add(e.EndToEndLatency.TotalMilliseconds);
            modelLatency.Add(e.ModelLatency.TotalMilliseconds);
        });
        float[] audio = StudentFactory.Speechlike((int)(seconds * features.SampleRate), seed: 3);
        var hop = TimeSpan.FromMilliseconds(streaming.HopMilliseconds);
        int hopSamples = engine.HopSamples;
        var random = new Random(streams);
        var producers = Enumerable.Range(0, streams).Select(async i =>
        {
            var handle = engine.OpenStream($"bench-{i}");
            await Task.Delay(TimeSpan.FromMilliseconds(random.NextDouble() * hop.TotalMilliseconds)).ConfigureAwait(false);   // callers do not arrive in lockstep
            using var timer = new PeriodicTimer(hop);
            long first = 0;
            for (int k = 0, start = 0; start + hopSamples <= audio.Length; k++, start += hopSamples)
            {
                await timer.WaitForNextTickAsync().ConfigureAwait(false);   // skips ticks it missed: the lag shows it
                long now = Stopwatch.GetTimestamp();
                if (k == 0)
                    first = now;
                else if (hop * (k + 1) > warmUp)
                    sendLag.Add((Stopwatch.GetElapsedTime(first, now) - hop * k).TotalMilliseconds);
                await handle.WriteAsync(audio.AsMemory(start, hopSamples)).ConfigureAwait(false);
            }
            await handle.CompleteAsync().ConfigureAwait(false);
            await handle.Completion.ConfigureAwait(false);
        }).ToArray();
        await Task.WhenAll(producers).ConfigureAwait(false);
        var statistics = engine.Statistics;
        await engine.DisposeAsync().ConfigureAwait(false);

        int hopsPerStream = audio.Length / hopSamples;
        int expected = streams * (hopsPerStream - (int)Math.Floor(warmUp / hop));   // the estimates past the warm-up
        return new LoadResult(endToEnd.Count, expected, BenchEnvironment.Percentile(endToEnd, 0.5), BenchEnvironment.Percentile(endToEnd, 0.99),
            BenchEnvironment.Percentile(sendLag, 0.99), BenchEnvironment.Percentile(modelLatency, 0.99),
            (double)statistics.StreamSteps / Math.Max(1, statistics.Batches), statistics.DroppedHops, statistics.CoalescedHops);
    }
}
