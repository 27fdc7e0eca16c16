using PLDistill.Audio.Formats;
using PLDistill.Cli.Tests.TestSupport;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Runtime;

namespace PLDistill.Cli.Tests;

public sealed class EvalHeldOutTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("pld-eval-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private void Clip(int actor, int emotion)
    {
        string actorFolder = Path.Combine(folder, $"Actor_{actor:00}");
        Directory.CreateDirectory(actorFolder);
        var random = new Random(actor * 10 + emotion);
        using var writer = WavWriter.Create(Path.Combine(actorFolder, $"03-01-{emotion:00}-01-01-01-{actor:00}.wav"), new PcmFormat(16_000, 1, SampleEncoding.Int16));
        writer.WriteFrames([.. Enumerable.Range(0, 16_000).Select(n => (float)(0.2 * Math.Sin(n * 0.01 * emotion) + 0.02 * (random.NextDouble() - 0.5)))]);
    }

    [Fact]
    public async Task Scoring_clips_of_actors_the_model_trained_on_says_they_are_not_held_out()
    {
        // The default student trained on actors 01-16 and was selected on 17-20.
        Clip(actor: 3, emotion: 5);
        Clip(actor: 17, emotion: 5);
        Clip(actor: 18, emotion: 3);

        var result = await Pld.RunAsync("--threads", "1", "eval", "--checkpoint", "default", "--data", folder, "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("pld: note: 1 of the 3 clips are of actors this model was trained on (03): their scores are not held-out", result.Error, StringComparison.Ordinal);
        Assert.Contains("\"n\":3", result.Output.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scoring_held_out_actors_only_says_nothing_more()
    {
        Clip(actor: 17, emotion: 5);
        Clip(actor: 20, emotion: 4);

        var result = await Pld.RunAsync("--threads", "1", "eval", "--checkpoint", "default", "--data", folder, "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("not held-out", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_four_class_model_is_not_scored_on_eight_classes_it_never_learnt()
    {
        Clip(actor: 17, emotion: 5);
        string fourClass = Path.Combine(folder, "four.pldckpt");
        // pld loads libtorch itself; this test reads a checkpoint before it runs pld, so it loads it first, as pld does.
        TorchRuntime.Initialize(new TorchRuntimeOptions { Device = DeviceChoice.Cpu });
        var (model, metadata) = CheckpointFile.Load(
            Path.Combine(AppContext.BaseDirectory, "models", "default-student.pldckpt"));
        using (model)
            CheckpointFile.Save(fourClass, model, metadata with { LabelSet = "ravdess4" });

        var refused = await Pld.RunAsync("--threads", "1", "eval", "--checkpoint", fourClass, "--data", folder, "--labels", "8", "--json");
        var scored = await Pld.RunAsync("--threads", "1", "eval", "--checkpoint", fourClass, "--data", folder, "--json");

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("was trained for ravdess4 and never learnt calm, fearful, disgust, surprised", refused.Error, StringComparison.Ordinal);
        Assert.Equal(0, scored.ExitCode);
    }
}
