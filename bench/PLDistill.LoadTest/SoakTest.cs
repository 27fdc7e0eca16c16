using System.Diagnostics;
using Grpc.Core;
using PLDistill.Api.V1;
using PLDistill.Bench;
using PLDistill.Client;
using PLDistill.Server.Hosting;

namespace PLDistill.LoadTest;

/// <summary>
/// Is memory bounded when streams come and go for a long time? N callers each make call after call (2–6 s of audio at
/// real-time pace, a fresh stream id each time; one call in five at a 500 ms hop, which runs on its own engine; one in
/// ten abandoned half-way without a goodbye), a subscriber follows the tenant throughout, and a short-lived subscriber
/// with a replay comes and goes every few seconds. Every sample interval it records, after a full garbage collection,
/// the process's resident memory (native libtorch included), the managed heap, threads and open file descriptors.
/// Server and callers share this process, so a leak on either side shows. The verdict compares the
/// run's last third with its first (medians of the samples).
/// </summary>
internal static class SoakTest
{
    private const int Rate = 16_000;
    private static readonly TimeSpan Chunk = TimeSpan.FromMilliseconds(100);

    public static async Task<int> RunAsync(Uri address, string key, string description, int callers, TimeSpan duration, TimeSpan sampleEvery)
    {
        Console.WriteLine($"# pld-loadtest --soak: {BenchEnvironment.Describe()}");
        Console.WriteLine($"# {description}");
        Console.WriteLine($"# {callers} callers making 2-6 s calls back to back at real-time pace for {duration.TotalMinutes:0.#} min " +
                          "(1 in 5 at a 500 ms hop, 1 in 10 abandoned half-way); one subscriber throughout, a short one with replay every 3 s");
        Console.WriteLine("| minute | calls ended | calls failed | estimates | RSS MB | managed heap MB (after GC) | threads | open fds |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");

        using var stop = new CancellationTokenSource(duration);
        var clients = Enumerable.Range(0, (callers + 49) / 50).Select(_ => EmotionClient.Connect(address, key)).ToArray();
        var counters = new Counters();
        byte[] audio = LoadTest.Linear16(StudentFactory.Speechlike(Rate * 6, seed: 7));
        var work = Enumerable.Range(0, callers).Select(i => CallerAsync(clients[i % clients.Length], i, audio, counters, stop.Token))
            .Append(WatchAsync(clients[0], counters, stop.Token))
            .Append(ShortSubscribersAsync(clients[0], counters, stop.Token))
            .ToArray();

        var samples = new List<Sample>();
        var clock = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(sampleEvery, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            var sample = Measure(clock.Elapsed, counters);
            samples.Add(sample);
            Console.WriteLine($"| {sample.Elapsed.TotalMinutes:F1} | {sample.CallsEnded} | {sample.CallsFailed} | {sample.Estimates} | {sample.ResidentMegabytes:F0} | " +
                              $"{sample.ManagedMegabytes:F1} | {sample.Threads} | {sample.OpenFiles} |");
        }
        await Task.WhenAll(work).ConfigureAwait(false);
        foreach (var client in clients)
            client.Dispose();
        return Verdict(samples, counters);
    }

    private sealed class Counters
    {
        public long CallsEnded;
        public long CallsFailed;
        public long Estimates;
        public long SubscriberEvents;
        public string? FirstFailure;

        public void Fail(string what)
        {
            Interlocked.Increment(ref CallsFailed);
            Interlocked.CompareExchange(ref FirstFailure, what, null);
        }
    }

    private sealed record Sample(TimeSpan Elapsed, long CallsEnded, long CallsFailed, long Estimates, double ResidentMegabytes, double ManagedMegabytes,
                                 int Threads, int OpenFiles);

    private static async Task CallerAsync(EmotionClient client, int index, byte[] audio, Counters counters, CancellationToken stop)
    {
        var random = new Random(index);
        await Task.Delay(TimeSpan.FromMilliseconds(random.Next(1000)), CancellationToken.None).ConfigureAwait(false);
        for (int call = 0; !stop.IsCancellationRequested; call++)
        {
            var config = new StreamConfig { StreamId = $"soak-{index}-{call}", Encoding = AudioEncoding.Linear16, SampleRateHz = Rate, Channels = 1 };
            if (call % 5 == 4)
                config.Hop = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(500));
            bool abandon = call % 10 == 9;
            int chunks = random.Next(20, 61);   // 2-6 s
            int chunkBytes = (int)(Rate * Chunk.TotalSeconds) * 2;
            try
            {
                using var session = await client.StartRecognitionAsync(config, CancellationToken.None).ConfigureAwait(false);
                var reading = CountAsync(session.ReadEventsAsync(CancellationToken.None), counters, e => e.Estimate is not null);
                var start = Stopwatch.GetTimestamp();
                for (int k = 0; k < chunks; k++)
                {
                    var wait = Chunk * (k + 1) - Stopwatch.GetElapsedTime(start);
                    if (wait > TimeSpan.Zero)
                        await Task.Delay(wait, CancellationToken.None).ConfigureAwait(false);
                    await session.SendAsync(audio.AsMemory(k * chunkBytes, chunkBytes), CancellationToken.None).ConfigureAwait(false);
                    if (abandon && k == chunks / 2)
                        break;
                }
                if (abandon)
                {
                    session.Dispose();   // gone without a goodbye: the server sees the call cancelled
                    await reading.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                }
                else
                {
                    await session.CompleteAsync().ConfigureAwait(false);
                    await reading.ConfigureAwait(false);
                }
                Interlocked.Increment(ref counters.CallsEnded);
            }
            catch (RpcException failure)
            {
                counters.Fail($"call {config.StreamId}: {failure.StatusCode}: {failure.Status.Detail}");
            }
        }
    }

    private static async Task WatchAsync(EmotionClient client, Counters counters, CancellationToken stop)
    {
        try
        {
            using var subscription = await client.SubscribeAsync(new SubscribeRequest(), stop).ConfigureAwait(false);
            await CountAsync(subscription.ReadEventsAsync(stop), counters, _ => false).ConfigureAwait(false);
        }
        catch (Exception ended) when (stop.IsCancellationRequested && ended is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
        }
        catch (RpcException failure)
        {
            counters.Fail($"the tenant's subscriber: {failure.StatusCode}: {failure.Status.Detail}");
        }
    }

    private static async Task ShortSubscribersAsync(EmotionClient client, Counters counters, CancellationToken stop)
    {
        for (int n = 0; !stop.IsCancellationRequested; n++)
        {
            try
            {
                var request = new SubscribeRequest { Replay = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(2)) };
                request.StreamIds.Add($"soak-{n % 8}-{n / 8}");
                using var window = CancellationTokenSource.CreateLinkedTokenSource(stop);
                window.CancelAfter(TimeSpan.FromSeconds(2));
                using var subscription = await client.SubscribeAsync(request, window.Token).ConfigureAwait(false);
                await CountAsync(subscription.ReadEventsAsync(window.Token), counters, _ => false).ConfigureAwait(false);
            }
            catch (Exception ended) when (ended is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
            }
            catch (RpcException failure)
            {
                counters.Fail($"a short subscriber: {failure.StatusCode}: {failure.Status.Detail}");
            }
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static async Task CountAsync(IAsyncEnumerable<EmotionEvent> events, Counters counters, Func<EmotionEvent, bool> isEstimate)
    {
        await foreach (var item in events.ConfigureAwait(false))
        {
            if (isEstimate(item))
                Interlocked.Increment(ref counters.Estimates);
            else
                Interlocked.Increment(ref counters.SubscriberEvents);
        }
    }

    private static Sample Measure(TimeSpan elapsed, Counters counters)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        // What the last (full, blocking) collection left live: the heap less its free fragments. (GC.GetTotalMemory read
        // negative here, on .NET 10.0.12 with TorchSharp loaded.)
        var heap = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        return new Sample(elapsed, Interlocked.Read(ref counters.CallsEnded), Interlocked.Read(ref counters.CallsFailed), Interlocked.Read(ref counters.Estimates),
                          process.WorkingSet64 / 1e6, (heap.HeapSizeBytes - heap.FragmentedBytes) / 1e6, process.Threads.Count,
                          Directory.GetFileSystemEntries("/proc/self/fd").Length);
    }

    // Bounded: the samples after the first (warm-up: libtorch's allocator and glibc's arenas settle) are split in
    // thirds, and the medians of the first and last third compared (a median, because calls in flight move the live
    // heap by ±10 MB from one sample to the next): resident memory may grow by less than 5 % of the warmed-up value,
    // the managed heap by less than 8 MB (a leak of 1 KB a call over ten thousand calls), threads and file descriptors
    // by fewer than 8; and no call may fail.
    private static int Verdict(List<Sample> samples, Counters counters)
    {
        var settled = samples.Skip(1).ToList();
        if (settled.Count < 6)
        {
            Console.WriteLine("too few samples for a verdict: run longer or sample more often");
            return 1;
        }
        int third = settled.Count / 3;
        var (early, late) = (settled.Take(third).ToList(), settled.TakeLast(third).ToList());
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
        double resident = Median(late.Select(x => x.ResidentMegabytes)) - Median(early.Select(x => x.ResidentMegabytes));
        double managed = Median(late.Select(x => x.ManagedMegabytes)) - Median(early.Select(x => x.ManagedMegabytes));
        double threads = Median(late.Select(x => (double)x.Threads)) - Median(early.Select(x => (double)x.Threads));
        double files = Median(late.Select(x => (double)x.OpenFiles)) - Median(early.Select(x => (double)x.OpenFiles));
        long calls = late[^1].CallsEnded - early[0].CallsEnded;
        bool bounded = resident < 0.05 * Median(early.Select(x => x.ResidentMegabytes)) && managed < 8 && threads < 8 && files < 8 && counters.CallsFailed == 0;
        Console.WriteLine($"last third against first third (medians; {early[0].Elapsed.TotalMinutes:F1} to {late[^1].Elapsed.TotalMinutes:F1} min, {calls} calls between): " +
                          $"RSS {resident:+0;-0} MB, managed heap {managed:+0.0;-0.0} MB, threads {threads:+0;-0}, open fds {files:+0;-0}; " +
                          $"{counters.CallsFailed} failed calls{(counters.FirstFailure is { } first ? $" (first: {first})" : "")}; " +
                          $"subscriber events {Interlocked.Read(ref counters.SubscriberEvents)}");
        Console.WriteLine(bounded ? "memory bounded: yes" : "memory bounded: NO");
        return bounded ? 0 : 1;
    }
}
