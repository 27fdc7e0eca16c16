using PLDistill.Audio.Formats;
using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using PLDistill.Api.V1;
using PLDistill.Audio.Data;
using PLDistill.Bench;
using PLDistill.Client;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Runtime;
using PLDistill.Server.Configuration;
using PLDistill.Server.Engines;
using PLDistill.Server.Hosting;
using PLDistill.Server.Security;
using static TorchSharp.torch;

namespace PLDistill.LoadTest;

/// <summary>
/// Drives N live callers at once: each sends 16 kHz mono LINEAR16 in small chunks on the wall clock (as a phone call
/// would), callers start at random offsets within a hop, and every estimate's end-to-end latency is measured on the
/// client: from the chunk that completed the estimate's hop leaving the caller to the estimate arriving back. A load is
/// real-time while the p99 of that latency stays within one hop, every hop gets its own estimate (none dropped or
/// coalesced), every call ends OK, and the callers themselves kept pace (p99 send lag within one chunk).
/// </summary>
internal static class LoadTest
{
    private const string Tenant = "load";
    private const string InProcessKey = "load-test-key";

    public static async Task<int> RunAsync(LoadTestOptions options)
    {
        PldServer? server = null;
        Uri address;
        string key;
        string description;
        if (options.Server is null)
        {
            var runtime = TorchRuntime.Initialize(TorchRuntimeOptions.FromEnvironment(Enum.Parse<DeviceChoice>(options.Device, ignoreCase: true)) with
            {
                LibTorchDirectory = options.LibTorch ?? TorchRuntimeOptions.FromEnvironment().LibTorchDirectory,
                CpuThreads = options.Threads,
            });
            var model = LoadModel(options.Checkpoint, runtime.Device);
            server = PldServer.Create(ServerOptionsFor(options), model, logging => { });
            await server.StartAsync();
            address = server.Address;
            key = InProcessKey;
            description = $"in-process server on {address}, {runtime.Device.type.ToString().ToLowerInvariant()}, torch threads {get_num_threads()}; " +
                          $"model: {model.Description}";
        }
        else
        {
            address = options.Server;
            key = options.Key!;
            description = $"external server {address}";
        }

        if (options.SoakMinutes is { } minutes)
        {
            try
            {
                return await SoakTest.RunAsync(address, key, description, options.SoakCallers, TimeSpan.FromMinutes(minutes),
                                               TimeSpan.FromSeconds(options.SampleSeconds));
            }
            finally
            {
                if (server is not null)
                    await server.DisposeAsync();
            }
        }

        Console.WriteLine($"# pld-loadtest: {BenchEnvironment.Describe()}");
        Console.WriteLine($"# {description}");
        Console.WriteLine($"# engine: max batch {options.MaxBatchStreams} streams, batch wait {options.MaxBatchWaitMilliseconds} ms, policy coalesce, no producer wait (live)");
        Console.WriteLine($"# callers: 16 kHz mono LINEAR16 in {options.ChunkMilliseconds} ms chunks at real-time pace, {options.Seconds} s each, first {options.WarmupSeconds} s not counted; " +
                          "clients and server share this machine's cores");
        Console.WriteLine("| streams | estimates (expected) | e2e p50 ms | e2e p99 ms | e2e max ms | server p99 ms | model p99 ms | coalesced | dropped | send lag p99 ms | failed calls | real-time |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        int best = 0;
        try
        {
            foreach (int load in options.Loads)
            {
                var result = await RunLoadAsync(address, key, load, options);
                bool realTime = result.RealTime(options.ChunkMilliseconds);
                Console.WriteLine($"| {load} | {result.Estimates} ({result.Expected}) | {result.P50:F1} | {result.P99:F1} | {result.Max:F1} | {result.ServerP99:F1} | " +
                                  $"{result.ModelP99:F1} | {result.Coalesced} | {result.Dropped} | {result.SendLagP99:F1} | {result.Failed} | {(realTime ? "yes" : "no")} |");
                if (!realTime)
                    break;
                best = load;
            }
        }
        finally
        {
            if (server is not null)
                await server.DisposeAsync();   // stops gracefully first
        }
        Console.WriteLine($"largest real-time load: {best} streams");
        return 0;
    }

    private static IRecognizerFactory LoadModel(string? checkpoint, Device device)
    {
        if (checkpoint is not null)
        {
            var (model, metadata) = CheckpointFile.Load(checkpoint);
            return new StudentRecognizerFactory(model, metadata.Features, metadata.Streaming, EmotionLabelSet.Parse(metadata.LabelSet), device, checkpoint);
        }
        var random = StudentFactory.Load(checkpoint: null);
        return new StudentRecognizerFactory(random.Model, random.Features, random.Streaming, StudentFactory.Labels, device, random.Description);
    }

    private static ServerOptions ServerOptionsFor(LoadTestOptions options) => new()
    {
        Listen = new ListenSettings { Url = "http://127.0.0.1:0" },
        Metrics = new MetricsSettings { Enabled = false },
        Engine = new EngineSettings
        {
            Policy = "coalesce", ProducerWaitMilliseconds = 0,
            MaxBatchStreams = options.MaxBatchStreams, MaxBatchWaitMilliseconds = options.MaxBatchWaitMilliseconds,
        },
        Limits = new LimitSettings { MaxStreams = 20_000, MaxStreamsPerTenant = 20_000, IdleTimeoutSeconds = 30, ShutdownDrainSeconds = 10 },
        Auth = new AuthSettings { Tenants = [new TenantSettings { Name = Tenant, ApiKeySha256 = [ApiKeys.Hash(InProcessKey)] }] },
        Log = new LogSettings { Level = "warning" },
    };

    private sealed record LoadResult(long Estimates, long Expected, double P50, double P99, double Max, double ServerP99, double ModelP99,
                                     long Coalesced, long Dropped, double SendLagP99, int Failed, double HopMilliseconds)
    {
        public bool RealTime(int chunkMilliseconds) =>
            Failed == 0 && Estimates == Expected && Coalesced == 0 && Dropped == 0 && P99 <= HopMilliseconds && SendLagP99 <= chunkMilliseconds;
    }

    private static async Task<LoadResult> RunLoadAsync(Uri address, string key, int streams, LoadTestOptions options)
    {
        const int rate = 16_000;
        int chunkSamples = rate * options.ChunkMilliseconds / 1000;
        int chunks = (int)(options.Seconds * 1000 / options.ChunkMilliseconds);
        byte[] audio = Linear16(StudentFactory.Speechlike(chunks * chunkSamples, seed: streams));
        var endToEnd = new ConcurrentBag<double>();
        var serverLatency = new ConcurrentBag<double>();
        var modelLatency = new ConcurrentBag<double>();
        var sendLag = new ConcurrentBag<double>();
        long estimates = 0, coalesced = 0, dropped = 0;
        int failed = 0;
        double hopMs = 0;
        // A handful of callers share a channel, as callers behind one gateway would; HTTP/2 multiplexes them.
        var clients = Enumerable.Range(0, (streams + 49) / 50).Select(_ => EmotionClient.Connect(address, key)).ToArray();
        var random = new Random(streams);
        var offsets = Enumerable.Range(0, streams).Select(_ => random.NextDouble()).ToArray();
        string run = Guid.NewGuid().ToString("N")[..6];

        async Task CallerAsync(int index)
        {
            var client = clients[index % clients.Length];
            var config = new StreamConfig { StreamId = $"load-{run}-{index}", Encoding = AudioEncoding.Linear16, SampleRateHz = rate, Channels = 1 };
            await Task.Delay(TimeSpan.FromMilliseconds(offsets[index] * 250)).ConfigureAwait(false);   // callers do not arrive in lockstep
            using var session = await client.StartRecognitionAsync(config).ConfigureAwait(false);
            var sentAt = new long[chunks];
            var reading = Task.Run(async () =>
            {
                await foreach (var item in session.ReadEventsAsync().ConfigureAwait(false))
                {
                    long now = Stopwatch.GetTimestamp();
                    if (item.Started is { } started)
                        hopMs = started.Settings.Hop.ToTimeSpan().TotalMilliseconds;
                    if (item.Estimate is { } e)
                    {
                        Interlocked.Increment(ref estimates);
                        Interlocked.Add(ref coalesced, e.CoalescedHops);
                        double end = e.AudioEnd.ToTimeSpan().TotalSeconds;
                        if (end <= options.WarmupSeconds)
                            continue;
                        int chunk = Math.Clamp((int)Math.Ceiling(end * 1000 / options.ChunkMilliseconds - 1e-6) - 1, 0, chunks - 1);
                        endToEnd.Add(Stopwatch.GetElapsedTime(Volatile.Read(ref sentAt[chunk]), now).TotalMilliseconds);
                        serverLatency.Add(e.ServerLatency.ToTimeSpan().TotalMilliseconds);
                        modelLatency.Add(e.ModelLatency.ToTimeSpan().TotalMilliseconds);
                    }
                    if (item.Summary is { } summary)
                        Interlocked.Add(ref dropped, summary.DroppedHops);
                }
            });
            long start = Stopwatch.GetTimestamp();
            for (int k = 0; k < chunks; k++)
            {
                // Chunk k holds the audio of [k, k+1) chunk periods: it can be sent once that much time has passed.
                var due = TimeSpan.FromMilliseconds((k + 1) * options.ChunkMilliseconds);
                var wait = due - Stopwatch.GetElapsedTime(start);
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait).ConfigureAwait(false);
                double lag = (Stopwatch.GetElapsedTime(start) - due).TotalMilliseconds;
                if (k * options.ChunkMilliseconds >= options.WarmupSeconds * 1000)
                    sendLag.Add(lag);
                Volatile.Write(ref sentAt[k], Stopwatch.GetTimestamp());
                await session.SendAsync(audio.AsMemory(k * chunkSamples * 2, chunkSamples * 2)).ConfigureAwait(false);
            }
            await session.CompleteAsync().ConfigureAwait(false);
            await reading.ConfigureAwait(false);
        }

        var callers = Enumerable.Range(0, streams).Select(async i =>
        {
            try
            {
                await CallerAsync(i).ConfigureAwait(false);
            }
            catch (RpcException failure)
            {
                if (Interlocked.Increment(ref failed) == 1)
                    Console.Error.WriteLine($"# first failed call at load {streams}: {failure.StatusCode}: {failure.Status.Detail}");
            }
        }).ToArray();
        await Task.WhenAll(callers).ConfigureAwait(false);
        foreach (var client in clients)
            client.Dispose();

        double hop = hopMs > 0 ? hopMs : 250;
        int hopSamples = (int)Math.Round(hop * rate / 1000);
        long expected = (long)streams * ((chunks * chunkSamples + hopSamples - 1) / hopSamples);
        return new LoadResult(estimates, expected, BenchEnvironment.Percentile(endToEnd, 0.5), BenchEnvironment.Percentile(endToEnd, 0.99),
            BenchEnvironment.Percentile(endToEnd, 1), BenchEnvironment.Percentile(serverLatency, 0.99), BenchEnvironment.Percentile(modelLatency, 0.99),
            coalesced, dropped, BenchEnvironment.Percentile(sendLag, 0.99), failed, hop);
    }

    internal static byte[] Linear16(float[] samples)
    {
        var bytes = new byte[samples.Length * 2];
        PcmSampleEncoder.Encode(samples, SampleEncoding.Int16, bytes);
        return bytes;
    }
}
