using System.Diagnostics;
using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Bench;

/// <summary>
/// Per-clip inference time of the teacher and the student: one clip of a given length (default 3 s, the streaming window),
/// batch of one, from samples to class probabilities (log-mel, encoder, projector, LM, label logits). The budget:
/// the student runs a 3 s window in under 5 ms on one CPU core.
/// </summary>
internal static class ClipLatencyBenchmark
{
    /// <summary>The teacher argument that skips the teacher's row (its run would warm the allocator before the student's).</summary>
    public const string NoTeacher = "none";

    public static void Run(Device device, double clipSeconds, int repeats, string? teacherCheckpoint, string? studentCheckpoint)
    {
        Console.WriteLine($"# per-clip inference: {BenchEnvironment.Describe()}, device {device.type}, torch threads {get_num_threads()}");
        Console.WriteLine($"# one {clipSeconds} s clip, batch 1, {repeats} timed runs after 10 warm-up runs; samples -> class probabilities");
        Console.WriteLine("| model | parameters | p50 ms | p99 ms | mean ms |");
        Console.WriteLine("|---|---|---|---|---|");
        if (teacherCheckpoint == NoTeacher)
            Console.WriteLine("# teacher skipped: the student runs in a fresh process, as a deployment does");
        else if (teacherCheckpoint is not null && TeacherFile.IsManifest(teacherCheckpoint))
        {
            var (ensemble, metadata) = TeacherFile.Load(teacherCheckpoint);
            using (ensemble)
                Row($"teacher ({teacherCheckpoint}, {ensemble.Members.Count} members)", ensemble.To(device).Eval(), metadata.Features, device, clipSeconds, repeats);
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
            Row($"student ({source})", new ModelEnsemble([student]).To(device).Eval(), features, device, clipSeconds, repeats);
            Stages(student, features, device, clipSeconds, repeats);
        }
    }

    /// <summary>Where the student's time goes: p50 of the same clip cut after each stage (a later stage's share is the difference).</summary>
    private static void Stages(AudioLanguageModel model, LogMelOptions features, Device device, double clipSeconds, int repeats)
    {
        model.to(device).eval();
        using var spectrogram = new LogMelSpectrogram(features).to(device);
        using var samples = tensor(StudentFactory.Speechlike((int)(clipSeconds * features.SampleRate), seed: 2)).to(device);
        double Time(int stages) => BenchEnvironment.Percentile(Timed(repeats, () =>
        {
            var mel = spectrogram.forward(samples).unsqueeze(0);
            Tensor last = mel;
            if (stages >= 2)
            {
                var lengths = tensor(new[] { mel.shape[1] }, device: device);
                var (frames, frameLengths) = model.Encoder.Forward(mel, lengths);
                last = model.Projector.forward(frames);
                if (stages >= 3)
                    last = model.ClassLogits(model.LanguageModel.AnswerLogits(model.PromptPrefixIds, last, frameLengths, model.PromptSuffixIds),
                                             EmotionLabelSet.Eight).softmax(-1);
            }
            _ = last.cpu().data<float>()[0];   // wait for the device
        }), 0.5);
        double frontEnd = Time(1), encoded = Time(2), total = Time(3);
        Console.WriteLine($"# student stages, p50 ms: log-mel {frontEnd:F2}; encoder + projector {encoded - frontEnd:F2}; LM + class probabilities {total - encoded:F2}; total {total:F2}");
    }

    /// <remarks>A single model runs as an ensemble of one, which is the model itself (no averaging).</remarks>
    private static void Row(string name, ModelEnsemble model, LogMelOptions features, Device device, double clipSeconds, int repeats)
    {
        using var spectrogram = new LogMelSpectrogram(features).to(device);
        float[] audio = StudentFactory.Speechlike((int)(clipSeconds * features.SampleRate), seed: 2);
        using var samples = tensor(audio).to(device);
        var times = Timed(repeats, () =>
        {
            var mel = spectrogram.forward(samples).unsqueeze(0);
            var lengths = tensor(new[] { mel.shape[1] }, device: device);
            using var answer = model.AnswerLogits(mel, lengths);
            var probabilities = model.ClassLogits(answer, EmotionLabelSet.Eight).softmax(-1).cpu();
            _ = probabilities.data<float>()[0];   // wait for the device, as a caller reading the answer does
        });
        Console.WriteLine($"| {name} | {model.ParameterCount:N0} | {BenchEnvironment.Percentile(times, 0.5):F2} | " +
                          $"{BenchEnvironment.Percentile(times, 0.99):F2} | {times.Average():F2} |");
    }

    /// <summary>Milliseconds of <paramref name="repeats"/> runs of <paramref name="once"/> (without gradients, in a dispose scope) after 10 untimed warm-up runs.</summary>
    private static List<double> Timed(int repeats, Action once)
    {
        var times = new List<double>();
        for (int run = 0; run < repeats + 10; run++)
        {
            long t0 = Stopwatch.GetTimestamp();
            using (no_grad())
            using (NewDisposeScope())
                once();
            if (run >= 10)
                times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        return times;
    }
}
