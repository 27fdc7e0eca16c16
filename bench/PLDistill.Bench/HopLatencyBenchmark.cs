using System.Diagnostics;
using PLDistill.Streaming.Inference;
using static TorchSharp.torch;

namespace PLDistill.Bench;

/// <summary>
/// One stream, hop by hop: the incremental student (projector cache) against the naive recomputation of the whole
/// window, on the same audio. Reports per-hop latency p50/p99, the real-time factor and the compute ratio.
/// </summary>
internal static class HopLatencyBenchmark
{
    public static void Run(Device device, double seconds, string? checkpoint)
    {
        var (model, features, streaming, description) = StudentFactory.Load(checkpoint);
        Console.WriteLine($"# hop latency, one stream: {BenchEnvironment.Describe()}, device {device.type}, torch threads {get_num_threads()}");
        Console.WriteLine($"# model: {description}; window {streaming.WindowSeconds} s, hop {streaming.HopMilliseconds} ms, {seconds} s of audio");
        float[] audio = StudentFactory.Speechlike((int)(seconds * features.SampleRate), seed: 1);
        int hop = (int)(streaming.HopMilliseconds * features.SampleRate / 1000);

        using var cached = new StreamingStudent(model, features, streaming, StudentFactory.Labels, device, maxStreams: 1);
        var cachedTimes = Measure(cached, audio, hop);
        using var naive = new WindowRecomputingStudent(model, features, streaming, StudentFactory.Labels, device, maxStreams: 1);
        var naiveTimes = Measure(naive, audio, hop);

        Console.WriteLine("| mode | hops | p50 ms | p99 ms | mean ms | real-time factor |");
        Console.WriteLine("|---|---|---|---|---|---|");
        Row("incremental (projector cache)", cachedTimes, streaming.HopMilliseconds);
        Row("recompute window", naiveTimes, streaming.HopMilliseconds);
        Console.WriteLine($"compute per hop, recompute / incremental (mean over steady-state hops): {naiveTimes.Average() / cachedTimes.Average():F2}x");
    }

    // Steady state only: hops after the window has filled, after a warm-up of the allocator and kernels.
    private static double[] Measure(IEmotionRecognizer recognizer, float[] audio, int hop)
    {
        int windowHops = (int)Math.Ceiling(recognizer.Streaming.WindowSeconds * 1000 / recognizer.Streaming.HopMilliseconds);
        var times = new List<double>();
        using var session = recognizer.Open();
        int index = 0;
        for (int start = 0; start + hop <= audio.Length; start += hop, index++)
        {
            var input = new HopInput(session, audio.AsMemory(start, hop));
            long t0 = Stopwatch.GetTimestamp();
            recognizer.Advance([input]);
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            if (index >= windowHops + 4)
                times.Add(ms);
        }
        return times.ToArray();
    }

    private static void Row(string mode, double[] times, double hopMs)
    {
        var sorted = times.Order().ToArray();
        double p50 = sorted[sorted.Length / 2], p99 = sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(sorted.Length * 0.99) - 1)];
        Console.WriteLine($"| {mode} | {times.Length} | {p50:F2} | {p99:F2} | {times.Average():F2} | {times.Average() / hopMs:F4} |");
    }
}
