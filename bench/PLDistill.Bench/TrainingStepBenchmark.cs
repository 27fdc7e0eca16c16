using System.Diagnostics;
using PLDistill.Audio.Data;
using PLDistill.Distillation.Losses;
using PLDistill.Distillation.Training;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Lalm;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Bench;

/// <summary>
/// Where a distillation step's time goes, per method: student forward, objective (CE plus the method's terms), backward,
/// AdamW step, in ms per step (3 s crops). The teacher's output is made once and reused, as a run with precomputed teacher
/// outputs (the default) reads it from memory, so the rows differ by what each loss costs. AwCKA's weights come from
/// the stored output's attention, as <see cref="Distillation.Data.PrecomputedTeacher"/> provides them. The teacher is an
/// ensemble manifest (the shipped one: its projector outputs are its seven members' side by side, 896 wide, which is what
/// PDist's cost depends on) or, without one, a random teacher of the default shape (256 wide).
/// </summary>
internal static class TrainingStepBenchmark
{
    private static readonly DistillationMethod[] Methods =
    [
        DistillationMethod.None, DistillationMethod.LogitKd, DistillationMethod.FitNets, DistillationMethod.LDist,
        DistillationMethod.PDistCka, DistillationMethod.PDistAwCka, DistillationMethod.PlDistill,
    ];

    public static void Run(Device device, int steps, int batchSize, string? teacherManifest)
    {
        manual_seed(0);
        using var teacher = teacherManifest is null
            ? new ModelEnsemble([new AudioLanguageModel(LalmConfig.Teacher)])
            : TeacherFile.Load(teacherManifest).Teacher;
        teacher.To(device).Eval();
        Console.WriteLine($"distillation step on {device.type} ({get_num_threads()} threads): student, 3 s crops, batch {batchSize}, " +
                          $"{steps} timed steps after 2 warm-up steps; teacher {teacherManifest ?? "random, default shape"} " +
                          $"({teacher.Members.Count} members, projector outputs {teacher.ProjectedWidth} wide), its output made once (precomputed)");
        Console.WriteLine("| method | forward ms | objective ms | backward ms | AdamW ms | step ms | clips/s |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        using var mel = randn(batchSize, 300, 80, device: device);
        using var lengths = tensor(Enumerable.Repeat(300L, batchSize).ToArray(), device: device);
        using var targets = randint(0, 8, batchSize, dtype: int64, device: device);
        LalmOutput teacherOutput;
        Tensor awckaWeights;
        using (no_grad())
        {
            teacherOutput = teacher.Forward(mel, lengths, returnAttention: true);
            awckaWeights = AudioAttentionWeights.From(teacherOutput, new AttentionSource());
        }
        // What PrecomputedTeacher hands a step: the teacher's projector outputs and logits, no attention (AwCKA gets weights).
        using var stored = new LalmOutput(teacherOutput.Projected, teacherOutput.AudioLengths, teacherOutput.Logits, [],
                                          teacherOutput.PrefixLength, teacherOutput.SuffixLength);
        using var weights = awckaWeights;
        foreach (var method in Methods)
            Row(method, device, steps, mel, lengths, targets, stored, weights, teacher.ProjectedWidth);
        foreach (var a in teacherOutput.Attention)
            a.Dispose();
    }

    private static void Row(DistillationMethod method, Device device, int steps, Tensor mel, Tensor lengths, Tensor targets,
                            LalmOutput teacher, Tensor weights, int teacherWidth)
    {
        manual_seed(0);
        using var student = new AudioLanguageModel(LalmConfig.Student);
        student.to(device).train();
        using var hint = method == DistillationMethod.FitNets ? nn.Linear(student.Config.LanguageModel.Width, teacherWidth).to(device) : null;
        var objective = new DistillationObjective(method, new LossSection(), EmotionLabelSet.Eight, hint);
        var parameters = student.parameters().Concat(hint?.parameters() ?? []).ToArray();
        using var optimizer = new AdamW(parameters, 1e-3, weightDecay: 0.05);
        var phases = new double[4];   // forward, objective, backward, AdamW
        var clock = new Stopwatch();
        for (int step = 0; step < steps + 2; step++)
        {
            bool timed = step >= 2;
            using var scope = NewDisposeScope();
            Lap(clock, device);
            using var output = student.Forward(mel, lengths);
            double forward = Lap(clock, device);
            var (loss, _) = objective.Compute(student, output, method == DistillationMethod.None ? null : teacher, targets, weights);
            double objectiveSeconds = Lap(clock, device);
            optimizer.ZeroGrad();
            loss.backward();
            nn.utils.clip_grad_norm_(parameters, 1.0);
            double backward = Lap(clock, device);
            optimizer.Step();
            double adam = Lap(clock, device);
            if (!timed)
                continue;
            phases[0] += forward;
            phases[1] += objectiveSeconds;
            phases[2] += backward;
            phases[3] += adam;
        }
        double total = phases.Sum();
        string Ms(double seconds) => (seconds * 1000 / steps).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
        Console.WriteLine($"| {method} | {Ms(phases[0])} | {Ms(phases[1])} | {Ms(phases[2])} | {Ms(phases[3])} | {Ms(total)} | " +
                          $"{(steps * mel.shape[0] / total).ToString("F1", System.Globalization.CultureInfo.InvariantCulture)} |");
    }

    /// <summary>Seconds since the last lap (the device synchronised first), and restarts the clock.</summary>
    private static double Lap(Stopwatch clock, Device device)
    {
        if (device.type == DeviceType.CUDA)
            cuda.synchronize();
        double seconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        return seconds;
    }
}
