using PLDistill.Distillation.Losses;
using PLDistill.Distillation.Training;

namespace PLDistill.Distillation.Tests.Training;

public sealed partial class TrainingConfigFileTests
{
    [Fact]
    public void Reads_nested_sections_enums_and_lists()
    {
        var config = TrainingConfigFile.Parse("""
            name: awcka
            role: student
            method: pl_distill
            teacher: runs/teacher/best.pldckpt
            model:
              encoder: { width: 96, heads: 4, layers: 2, left_context_frames: 40 }
              language_model: { width: 96, heads: 4, layers: 1 }
            data: { labels: "4", train_actors: [1, 2, 3], eval_actors: [4] }
            training: { epochs: 3, batch_size: 8 }
            augmentation: { speeds: [1.0], noise_probability: 0, speed_copies: one_per_epoch }
            loss:
              alpha: 0.5
              attention: { layers: [-1, -2], heads: [0, 1], queries: suffix }
              teacher_outputs: online
            """, "inline");

        Assert.Equal(DistillationMethod.PlDistill, config.Method);
        Assert.Equal(96, config.ResolvedModel.Encoder.Width);
        Assert.Equal(40, config.ResolvedModel.Encoder.LeftContextFrames);
        Assert.Equal([1, 2, 3], config.Data.TrainActors);
        Assert.Equal([1.0], config.Augmentation.Speeds);
        Assert.Equal(0.5, config.Loss.Alpha);
        Assert.Equal([-1, -2], config.Loss.Attention.Layers);
        Assert.Equal(AttentionQueries.Suffix, config.Loss.Attention.Queries);
        Assert.Equal(TeacherOutputs.Online, config.Loss.TeacherOutputs);
        Assert.Equal(PLDistill.Distillation.Augmentation.SpeedCopies.OnePerEpoch, config.Augmentation.SpeedCopies);
    }

    [Theory]
    [InlineData("epochz: 3", "epochz")]
    [InlineData("training: { epochs: many }", "many")]
    [InlineData("method: magic", "magic")]
    [InlineData("loss: { teacher_outputs: cached }", "cached")]
    [InlineData("augmentation: { speed_copies: some }", "some")]
    [InlineData("method: ldist", "teacher")]
    [InlineData("role: oracle", "oracle")]
    [InlineData("data: { train_actors: [1, 2], eval_actors: [2] }", "both sides")]
    [InlineData("training: { epochs: 0 }", "training.epochs")]
    [InlineData("training: { ema_decay: 1 }", "training.ema_decay")]
    [InlineData("training: { ema_decay: 0 }", "training.ema_decay")]
    [InlineData("features: { window_milliseconds: 25.03 }", "whole number of samples")]
    public void Bad_configs_are_refused_naming_the_problem(string yaml, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => TrainingConfigFile.Parse(yaml, "bad.yaml"));
        Assert.Contains("bad.yaml", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_resolved_yaml_reads_back_to_the_same_settings()
    {
        var config = TrainingConfigFile.Parse("name: x\nmethod: pdist_aw_cka\nteacher: t.pldckpt\n", "inline");
        string yaml = TrainingConfigFile.ToYaml(config);
        var again = TrainingConfigFile.Parse(yaml, "resolved");
        Assert.Equal(config.Method, again.Method);
        Assert.Equal(config.Training.LearningRate, again.Training.LearningRate);
        Assert.Equal(config.Augmentation.Speeds, again.Augmentation.Speeds);
        Assert.Equal(config.Loss.Attention.Layers, again.Loss.Attention.Layers);
        Assert.Null(again.Training.EmaDecay);

        var averaged = TrainingConfigFile.Parse("name: x\ntraining: { ema_decay: 0.998 }\n", "inline");
        Assert.Equal(0.998, TrainingConfigFile.Parse(TrainingConfigFile.ToYaml(averaged), "resolved").Training.EmaDecay);
    }

    [Fact]
    public void Every_shipped_training_config_parses_and_every_kd_config_names_a_teacher_that_ships()
    {
        string configs = RepositoryFolder.Configs;
        // Every training config: all but PAD's (PadConfigFileTests) and the server's.
        string[] files = Directory.GetFiles(configs, "*.yaml")
            .Where(file => Path.GetFileName(file) is var name && !name.StartsWith("pad-", StringComparison.Ordinal) && !name.StartsWith("server", StringComparison.Ordinal))
            .ToArray();
        string foldsTool = File.ReadAllText(Path.Combine(RepositoryFolder.Root(), "tools", "folds-kd.sh"));
        Assert.True(files.Length >= 14, $"expected the teacher's, the student rows', the heavy-recipe and born-again rows' and the default student's configs in {configs}, found {files.Length}");
        foreach (string file in files)
        {
            var config = TrainingConfigFile.Load(file);
            // The KD rows' 5-fold configs name the teacher tools/folds-kd.sh trains for their fold, where it puts it
            // by default (runs/folds-kd); no fold teacher ships.
            if (FoldConfigName().Match(Path.GetFileName(file)) is { Success: true } fold && config.Method != DistillationMethod.None)
            {
                Assert.Equal($"runs/folds-kd/teacher-fold-{fold.Groups[1].Value}/teacher.pldens", config.Teacher);
                Assert.Contains("runs=runs/folds-kd ", foldsTool);
                Assert.Contains("configs/student-$2-fold-$1.yaml", foldsTool);
                continue;
            }
            Assert.True(config.Method == DistillationMethod.None || config.Teacher is not null, $"{file}: {config.Method} without a teacher");
            // A shipped config runs from a fresh clone: the teacher it names (relative to the repository root) ships too.
            if (config.Teacher is not null)
                Assert.True(File.Exists(Path.Combine(RepositoryFolder.Root(), config.Teacher)), $"{file}: its teacher {config.Teacher} is not in the repository");
        }
        Assert.NotNull(TrainingConfigFile.Load(Path.Combine(configs, "student-pad-pl-distill.yaml")).Initialize);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^student-.+-fold-([1-5])\.yaml$")]
    private static partial System.Text.RegularExpressions.Regex FoldConfigName();
}
