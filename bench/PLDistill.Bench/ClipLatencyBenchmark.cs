using System.Diagnostics;
using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using PLDistill.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Bench;

/// <summary>
/// Per-clip inference time of the teacher and the student: one clip of a given length (default 3 s, the streaming window),
/// batch of one, from samples to class probabilities (log-mel, encoder, projector, LM, label logits). The budget:
/// the student runs a 3 s window in under 5 ms on one CPU core. Each row also says which runs a garbage collection or
/// page faults fell into (<see cref="ClipTimings"/>), and three reference rows after the student's separate the machine's
/// jitter and the cost of the student's managed allocation from the model's own tail.
/// </summary>
internal static class ClipLatencyBenchmark
{
    /// <summary>The teacher argument that skips the teacher's row (its run would warm the allocator before the student's).</summary>
    public const string NoTeacher = "none";

    public static void Run(Device device, double clipSeconds, int repeats, string? teacherCheckpoint, string? studentCheckpoint)
    {
        Console.WriteLine($"# per-clip inference: {BenchEnvironment.Describe()}, device {device.type}, torch threads {get_num_threads()}, {StudentFactory.Precision} ({StudentFactory.PrecisionVariable})");
        Console.WriteLine($"# one {clipSeconds} s clip, batch 1, {repeats} timed runs after 10 warm-up runs; samples -> class probabilities");
        Console.WriteLine(ClipTimings.Header);
        if (teacherCheckpoint == NoTeacher)
            Console.WriteLine("# teacher skipped: the student runs in a fresh process, as a deployment does");
        else if (teacherCheckpoint is not null && TeacherFile.IsManifest(teacherCheckpoint))
        {
            var (ensemble, metadata) = TeacherFile.Load(teacherCheckpoint);
            using (ensemble)
                Row($"teacher ({teacherCheckpoint}, {ensemble.Members.Count} members, {StudentFactory.Precision})", ensemble.To(device).Eval().UsePrecision(StudentFactory.Precision),
                    metadata.Features, device, clipSeconds, repeats);
        }
        else
        {
            var (teacher, teacherFeatures, _, teacherSource) = StudentFactory.Load(teacherCheckpoint, LalmConfig.Teacher, "random teacher, default shape");
            using (teacher)
                Row($"teacher ({teacherSource})", new ModelEnsemble([teacher]).To(device).Eval(), teacherFeatures, device, clipSeconds, repeats);
        }
        var (student, features, _, source) = StudentFactory.Load(studentCheckpoint);
        using (student)
        {
            var studentTimes = Row($"student ({source})", new ModelEnsemble([student]).To(device).Eval(), features, device, clipSeconds, repeats);
            NoiseFloor(device, studentTimes.P50, studentTimes.ManagedBytesPerRun, repeats);
            Stages(student, features, device, clipSeconds, repeats);
        }
    }

    /// <summary>
    /// Fixed workloads timed the same way, so that a reader can tell the machine's jitter from the model's: a chain of
    /// scalar multiply-adds as long as the student's p50 (no memory traffic, no allocation, no libtorch), one libtorch
    /// matrix product of the student's 85 M multiply-adds (one output tensor per run, as the model allocates), and the
    /// student's managed allocation on its own. If the first two have the student's p99 / p50, the spikes are the
    /// machine's; if the third has its GC pauses, they are the allocation's.
    /// </summary>
    private static void NoiseFloor(Device device, double targetMilliseconds, long managedBytesPerRun, int repeats)
    {
        long iterations = 1_000_000;
        for (int calibration = 0; calibration < 3; calibration++)
        {
            long t0 = Stopwatch.GetTimestamp();
            sink = ScalarChain(iterations);
            iterations = Math.Max(1, (long)(iterations * targetMilliseconds / Stopwatch.GetElapsedTime(t0).TotalMilliseconds));
        }
        Console.WriteLine(Timed(repeats, () => sink = ScalarChain(iterations)).Row("reference: scalar multiply-add chain of the same p50 (machine jitter)", "–"));

        var type = StudentFactory.Precision.ScalarType();   // the student's
        using var a = randn(75, 1024, dtype: type, device: device);
        using var b = randn(1024, 1100, dtype: type, device: device);   // 75 x 1024 x 1100 = 84.5 M multiply-adds
        Console.WriteLine(Timed(repeats, () => _ = FirstValue(a.mm(b))).Row($"reference: one 84.5 M multiply-add matmul, libtorch, {type}", "–"));

        // The student's managed allocation alone, as 64-byte objects held to the end of the run (as its dispose scope
        // holds its tensors' wrappers): the GC pauses and page faults that allocation brings by itself.
        var held = new byte[Math.Max(1, managedBytesPerRun / 64)][];
        Console.WriteLine(Timed(repeats, () =>
        {
            for (int i = 0; i < held.Length; i++)
                held[i] = new byte[40];   // 24 bytes of header, type and length, 40 of data
            Array.Clear(held);
        }).Row($"reference: {managedBytesPerRun / 1024.0:F0} KB of 64-byte managed objects (the student's allocation)", "–"));
    }

    /// <summary>
    /// The first value of <paramref name="result"/>, read back to the host: waits for the device as a caller reading its
    /// answer does, without copying the rest or leaving work for the finalizer (see FinalizerFreeOperations).
    /// </summary>
    private static float FirstValue(Tensor result)
    {
        using var flat = result.flatten();
        using var first = flat.narrow(0, 0, 1);
        if (first.dtype == ScalarType.Float32)
            return FinalizerFreeOperations.ToFloatArray(first)[0];
        using var asFloat = first.to(ScalarType.Float32);   // a bfloat16 model's activations
        return FinalizerFreeOperations.ToFloatArray(asFloat)[0];
    }

    private static double sink;   // keeps the chain's result alive, so the JIT cannot drop the loop

    /// <summary>A dependent chain of multiply-adds: its time is the core's, with nothing to cache, allocate or wait for.</summary>
    private static double ScalarChain(long iterations)
    {
        double x = 1.0;
        for (long i = 0; i < iterations; i++)
            x = x * 0.999999 + 1e-6;
        return x;
    }

    /// <summary>Where the student's time goes: p50 of the same clip cut after each stage (a later stage's share is the difference).</summary>
    private static void Stages(AudioLanguageModel model, LogMelOptions features, Device device, double clipSeconds, int repeats)
    {
        model.to(device).eval();
        using var spectrogram = new LogMelSpectrogram(features).to(device);
        using var samples = tensor(StudentFactory.Speechlike((int)(clipSeconds * features.SampleRate), seed: 2)).to(device);
        double Time(int stages) => Timed(repeats, () =>
        {
            var mel = spectrogram.forward(samples).unsqueeze(0);
            Tensor last = mel;
            if (stages >= 2)
            {
                var lengths = tensor(new[] { mel.size(1) }, device: device);
                var (frames, frameLengths) = model.Encoder.Forward(mel, lengths);
                last = model.Projector.forward(frames);
                if (stages >= 3)
                    last = model.ClassLogits(model.LanguageModel.AnswerLogits(model.PromptPrefixIds, last, frameLengths, model.PromptSuffixIds),
                                             EmotionLabelSet.Eight).softmax(-1);
            }
            _ = FirstValue(last);   // wait for the device
        }).P50;
        double frontEnd = Time(1), encoded = Time(2), total = Time(3);
        Console.WriteLine($"# student stages, p50 ms: log-mel {frontEnd:F2}; encoder + projector {encoded - frontEnd:F2}; LM + class probabilities {total - encoded:F2}; total {total:F2}");
    }

    /// <remarks>A single model runs as an ensemble of one, which is the model itself (no averaging).</remarks>
    private static ClipTimings Row(string name, ModelEnsemble model, LogMelOptions features, Device device, double clipSeconds, int repeats)
    {
        using var spectrogram = new LogMelSpectrogram(features).to(device);
        float[] audio = StudentFactory.Speechlike((int)(clipSeconds * features.SampleRate), seed: 2);
        using var samples = tensor(audio).to(device);
        void Clip()
        {
            var mel = spectrogram.forward(samples).unsqueeze(0);
            var lengths = tensor(new[] { mel.size(1) }, device: device);
            using var answer = model.AnswerLogits(mel, lengths);
            var probabilities = FinalizerFreeOperations.ToFloatArray(model.ClassLogits(answer, EmotionLabelSet.Eight).softmax(-1));
            _ = probabilities[0];   // wait for the device, as a caller reading the answer does
        }
        var times = Timed(repeats, Clip);
        Console.WriteLine(times.Row(name, $"{model.ParameterCount:N0}"));
        const int probed = 100;
        Console.WriteLine($"# {name}: {FinalizerQueueProbe.LeftBy(Clip, probed) / (double)probed:F2} objects left for the finalizer per run ({probed} untimed runs)");
        return times;
    }

    /// <summary><paramref name="repeats"/> runs of <paramref name="once"/> (without gradients, in a dispose scope) after 10 untimed warm-up runs.</summary>
    private static ClipTimings Timed(int repeats, Action once)
    {
        const int warmUpRuns = 10;
        var times = new List<double>(repeats);
        var collected = new List<bool>(repeats);
        var pageFaults = new List<long>(repeats);
        long allocatedBefore = 0;
        TimeSpan pausedBefore = TimeSpan.Zero;
        for (int run = 0; run < repeats + warmUpRuns; run++)
        {
            if (run == warmUpRuns)
                (allocatedBefore, pausedBefore) = (GC.GetAllocatedBytesForCurrentThread(), GC.GetTotalPauseDuration());
            int collectionsBefore = GC.CollectionCount(0);   // a collection of any generation counts in generation 0
            long faultsBefore = ThreadPageFaults.Count();
            long t0 = Stopwatch.GetTimestamp();
            using (no_grad())
            using (NewDisposeScope())
                once();
            if (run < warmUpRuns)
                continue;
            times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            collected.Add(GC.CollectionCount(0) != collectionsBefore);
            pageFaults.Add(ThreadPageFaults.Count() - faultsBefore);
        }
        // The lists' own growth is preallocated, so what is counted is the workload's.
        return new ClipTimings(times, collected, pageFaults, (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / repeats,
                               (GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds);
    }
}
