using System.Diagnostics;
using PLDistill.Audio.Data;
using PLDistill.Distillation.Losses;
using PLDistill.Distillation.Training;
using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Bench;

/// <summary>
/// Training steps per second for the default teacher and student (3 s crops, batch 32, AdamW), on the chosen device:
/// clips/s = batch × steps / time. The student row distils with PL-Distill (teacher forward + CE + LDist + PDist),
/// as in the real runs; "student (CE only)" has no teacher in the loop.
/// </summary>
internal static class TrainingThroughputBenchmark
{
    public static void Run(Device device, int steps, int batchSize)
    {
        Console.WriteLine($"training throughput on {device.type}: 3 s crops, batch {batchSize}, {steps} timed steps after 2 warm-up steps");
        Console.WriteLine("| model | parameters | clips/s | machine |");
        Console.WriteLine("|---|---|---|---|");
        manual_seed(0);
        using var teacher = new AudioLanguageModel(LalmConfig.Teacher);
        using var student = new AudioLanguageModel(LalmConfig.Student);
        teacher.to(device);
        student.to(device);
        Row("teacher (CE only)", teacher, null, DistillationMethod.None, device, steps, batchSize);
        Row("student (CE only)", student, null, DistillationMethod.None, device, steps, batchSize);
        teacher.eval();
        Row("student (PL-Distill)", student, teacher, DistillationMethod.PlDistill, device, steps, batchSize);
    }

    private static void Row(string name, AudioLanguageModel model, AudioLanguageModel? teacher, DistillationMethod method,
                            Device device, int steps, int batchSize)
    {
        var objective = new DistillationObjective(method, new LossSection(), EmotionLabelSet.Eight);
        using var optimizer = new AdamW(model.parameters(), 1e-3, weightDecay: 0);
        model.train();
        var clock = new Stopwatch();
        for (int step = 0; step < steps + 2; step++)
        {
            if (step == 2) { Synchronize(device); clock.Start(); }
            using var scope = NewDisposeScope();
            var mel = randn(batchSize, 300, 80, device: device);
            var lengths = tensor(Enumerable.Repeat(300L, batchSize).ToArray(), device: device);   // int64: Times(300) would make it float
            var targets = randint(0, 8, batchSize, dtype: int64, device: device);
            using var output = model.Forward(mel, lengths);
            LalmOutput? teacherOutput = null;
            if (teacher is not null)
            {
                using var noGrad = no_grad();
                teacherOutput = teacher.Forward(mel, lengths, objective.NeedsTeacherAttention);
            }
            var (loss, _) = objective.Compute(model, output, teacherOutput, targets);
            teacherOutput?.Dispose();
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.Step();
        }
        Synchronize(device);
        double clipsPerSecond = steps * batchSize / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"| {name} | {model.ParameterCount:N0} | {clipsPerSecond:F1} | {BenchEnvironment.Describe()} |");
    }

    private static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA)
            cuda.synchronize();
    }
}
