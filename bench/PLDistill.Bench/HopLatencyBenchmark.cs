using System.Diagnostics;
using PLDistill.Streaming.Inference;
using static TorchSharp.torch;

namespace PLDistill.Bench;

/// <summary>
/// One stream, hop by hop: the incremental student (device-resident caches) against the naive recomputation of the whole
/// window, on the same audio. Reports per-hop latency p50/p99, the real-time factor and the compute ratio.
/// </summary>
internal static class HopLatencyBenchmark
{
    private const int Batched = 32;

    public static void Run(Device device, double seconds, string? checkpoint)
    {
        var (model, features, streaming, description) = StudentFactory.Load(checkpoint);
        Console.WriteLine($"# hop latency, one stream: {BenchEnvironment.Describe()}, device {device.type}, torch threads {get_num_threads()}");
        Console.WriteLine($"# model: {description}; window {streaming.WindowSeconds} s, hop {streaming.HopMilliseconds} ms, {seconds} s of audio");
        float[] audio = StudentFactory.Speechlike((int)(seconds * features.SampleRate), seed: 1);
        int hop = (int)(streaming.HopMilliseconds * features.SampleRate / 1000);

        using var naive = new WindowRecomputingStudent(model, features, streaming, StudentFactory.Labels, device, maxStreams: Batched);
        var naiveTimes = Measure(naive, audio, hop, streams: 1);
        var naiveBatched = Measure(naive, audio, hop, streams: Batched);
        using var cached = new StreamingStudent(model, features, streaming, StudentFactory.Labels, device, maxStreams: Batched);
        var cachedTimes = Measure(cached, audio, hop, streams: 1);
        var cachedBatched = Measure(cached, audio, hop, streams: Batched);

        Console.WriteLine("| mode | hops | p50 ms | p99 ms | mean ms | real-time factor |");
        Console.WriteLine("|---|---|---|---|---|---|");
        Row("incremental (device-resident caches)", cachedTimes, streaming.HopMilliseconds);
        Row("recompute window", naiveTimes, streaming.HopMilliseconds);
        Console.WriteLine($"time per hop, recompute / incremental, one stream: {naiveTimes.Average() / cachedTimes.Average():F2}x " +
                          "(per-operation overhead dominates a batch of one)");
        Console.WriteLine($"time per stream-hop in batches of {Batched} streams: incremental {cachedBatched.Average() / Batched:F3} ms, " +
                          $"recompute {naiveBatched.Average() / Batched:F3} ms: {naiveBatched.Average() / cachedBatched.Average():F2}x less compute per hop");
    }

    // Steady state only: hops after the window has filled, after a warm-up of the allocator and kernels.
    // Each of the streams gets the same audio (compute does not depend on it); times are per batch step.
    private static double[] Measure(IEmotionRecognizer recognizer, float[] audio, int hop, int streams)
    {
        int windowHops = (int)Math.Ceiling(recognizer.Streaming.WindowSeconds * 1000 / recognizer.Streaming.HopMilliseconds);
        var times = new List<double>();
        var sessions = Enumerable.Range(0, streams).Select(_ => recognizer.Open()).ToArray();
        int index = 0;
        for (int start = 0; start + hop <= audio.Length; start += hop, index++)
        {
            var inputs = sessions.Select(session => new HopInput(session, audio.AsMemory(start, hop))).ToArray();
            long t0 = Stopwatch.GetTimestamp();
            recognizer.Advance(inputs);
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            if (index >= windowHops + 4)
                times.Add(ms);
        }
        foreach (var session in sessions)
            session.Dispose();
        return times.ToArray();
    }

    private static void Row(string mode, double[] times, double hopMs) =>
        Console.WriteLine($"| {mode} | {times.Length} | {BenchEnvironment.Percentile(times, 0.5):F2} | {BenchEnvironment.Percentile(times, 0.99):F2} | " +
                          $"{times.Average():F2} | {times.Average() / hopMs:F4} |");
}
