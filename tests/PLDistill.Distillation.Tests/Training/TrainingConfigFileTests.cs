using PLDistill.Distillation.Losses;
using PLDistill.Distillation.Training;

namespace PLDistill.Distillation.Tests.Training;

public sealed class TrainingConfigFileTests
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
    [InlineData("augmentation: { speeds: [0.9] }", "augmentation.speeds must include 1.0")]   // failed after feature extraction
    [InlineData("augmentation: { speeds: [0.9, 1.1] }", "augmentation.speeds must include 1.0")]
    [InlineData("streaming: { window_seconds: 2 }", "streaming.window_seconds must be 3,")]   // trained, then refused by run
    [InlineData("streaming: { window_seconds: 100 }", "streaming.window_seconds must be 3,")]
    [InlineData("role: teacher\nstreaming: { window_seconds: 100 }", "streaming.window_seconds must be 0.5..12.32")]
    [InlineData("name: ..", "name: '..' must be a folder name")]        // the run folder was {output}/.. and its config.yaml
    [InlineData("name: .", "name: '.' must be a folder name")]          // and checkpoints overwrote the user's files there
    [InlineData("name: ../elsewhere", "name: '../elsewhere'")]
    [InlineData("name: 'a\\b'", "name: 'a\\b'")]
    public void Bad_configs_are_refused_naming_the_problem(string yaml, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => TrainingConfigFile.Parse(yaml, "bad.yaml"));
        Assert.Contains("bad.yaml", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("training: { learning_rate: .nan }", "training.learning_rate")]
    [InlineData("training: { weight_decay: .nan }", "training.weight_decay")]
    [InlineData("training: { weight_decay: .inf }", "training.weight_decay")]
    [InlineData("training: { warmup_epochs: .nan }", "training.warmup_epochs")]
    [InlineData("training: { grad_clip: .nan }", "training.grad_clip")]
    [InlineData("training: { grad_clip: .inf }", "training.grad_clip")]
    [InlineData("training: { crop_seconds: .nan }", "training.crop_seconds")]
    [InlineData("training: { ema_decay: .nan }", "training.ema_decay")]
    [InlineData("augmentation: { speeds: [1.0, .nan] }", "augmentation.speeds")]
    [InlineData("augmentation: { noise_probability: .nan }", "augmentation.noise_probability")]
    [InlineData("augmentation: { noise_min_snr_db: -.inf }", "augmentation.noise_min_snr_db")]
    [InlineData("augmentation: { noise_max_snr_db: .nan }", "augmentation.noise_max_snr_db")]
    [InlineData("augmentation: { noise_max_snr_db: .inf }", "augmentation.noise_max_snr_db")]
    [InlineData("loss: { alpha: .nan }", "loss.alpha")]
    [InlineData("loss: { beta: .inf }", "loss.beta")]
    [InlineData("loss: { gamma: .nan }", "loss.gamma")]
    [InlineData("loss: { audio_weight: .nan }", "loss.audio_weight")]
    [InlineData("loss: { text_weight: .inf }", "loss.text_weight")]
    [InlineData("loss: { temperature: .nan }", "loss.temperature")]
    [InlineData("loss: { temperature: .inf }", "loss.temperature")]
    [InlineData("loss: { label_smoothing: .nan }", "loss.label_smoothing")]
    [InlineData("streaming: { hop_milliseconds: .nan }", "streaming.hop_milliseconds")]
    [InlineData("streaming: { window_seconds: .inf }", "streaming.window_seconds")]
    [InlineData("features: { min_frequency: .nan }", "MinFrequency")]
    [InlineData("features: { max_frequency: .nan }", "MaxFrequency")]
    [InlineData("features: { log_floor: .inf }", "LogFloor")]
    public void Nan_and_infinite_settings_are_refused_naming_the_key(string yaml, string key)
    {
        // YAML's .nan and .inf are numbers to the reader; every comparison with NaN is false, so a check written as
        // "x <= 0 is bad" lets it through, and the run trains NaN weights.
        var error = Assert.Throws<ArgumentException>(() => TrainingConfigFile.Parse(yaml, "bad.yaml"));
        Assert.StartsWith("bad.yaml: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name: n\nrole: student\ntraining:\n#  epochs: 3\n", "line 3", "'training' is empty; give its keys or leave it out")]
    [InlineData("data: ~", "line 1", "'data' is empty")]
    [InlineData("features: ~", "line 1", "'features' is empty")]
    [InlineData("streaming: ~", "line 1", "'streaming' is empty")]
    [InlineData("loss: { attention: ~ }", "line 1", "'attention' is empty")]
    [InlineData("augmentation: { speeds: ~ }", "line 1", "'speeds' is empty; give its items or leave it out")]
    [InlineData("model: { encoder: ~ }", "line 1", "'encoder' is empty")]
    [InlineData("data: { train_actors: ~ }", "line 1", "'train_actors' is empty")]
    [InlineData("name: x\noutput: ~", "line 2", "'output' is empty; give its value or leave it out")]
    [InlineData("name: x\nseed: ~", "line 2", "an empty value where a number belongs: give one or leave the key out")]
    [InlineData("training: { epochs: ~ }", "line 1", "an empty value where a number belongs")]
    public void An_empty_section_list_or_value_is_refused_naming_the_key(string yaml, string line, string expected)
    {
        // An empty value is null to YAML; stored, it threw a NullReferenceException on first use, far from the file.
        var error = Assert.Throws<ArgumentException>(() => TrainingConfigFile.Parse(yaml, "n.yaml"));
        Assert.StartsWith($"n.yaml: {line}, column ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_number_declared_nullable_still_takes_null()
    {
        var config = TrainingConfigFile.Parse("training: { ema_decay: ~ }", "n.yaml");
        Assert.Null(config.Training.EmaDecay);
    }

    [Theory]
    [InlineData("name: a\nseed: 1\nname: b\n", "line 3", "name")]
    [InlineData("name: a\ntraining:\n  epochs: 3\n  epochs: 4\n", "line 4", "epochs")]
    public void A_repeated_key_is_refused_naming_it_and_its_line(string yaml, string line, string key)
    {
        // Read leniently, the last value won without a word.
        var error = Assert.Throws<ArgumentException>(() => TrainingConfigFile.Parse(yaml, "dup.yaml"));
        Assert.StartsWith($"dup.yaml: {line}, column ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"uplicate key {key}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("streaming: { window_seconds: 3 }")]
    [InlineData("model: { language_model: { audio_window: 50 } }\nstreaming: { window_seconds: 2 }")]
    [InlineData("role: teacher\nstreaming: { window_seconds: 10 }")]
    public void A_streaming_window_the_model_can_serve_is_accepted(string yaml) =>
        TrainingConfigFile.Parse(yaml, "inline");

    [Fact]
    public void Keys_documented_as_nullable_still_take_null()
    {
        var config = TrainingConfigFile.Parse("name: x\nteacher: null\ninitialize: ~\nmodel: ~\ntraining: { ema_decay: ~ }\n", "inline");
        Assert.Null(config.Teacher);
        Assert.Null(config.Initialize);
        Assert.Null(config.Model);
        Assert.Null(config.Training.EmaDecay);
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
        Assert.True(files.Length >= 14, $"expected the teacher's, the student rows', the heavy-recipe and born-again rows' and the default student's configs in {configs}, found {files.Length}");
        foreach (string file in files)
        {
            var config = TrainingConfigFile.Load(file);
            Assert.True(config.Method == DistillationMethod.None || config.Teacher is not null, $"{file}: {config.Method} without a teacher");
            // A shipped config runs from a fresh clone: the teacher it names (relative to the repository root) ships too.
            if (config.Teacher is not null)
                Assert.True(File.Exists(Path.Combine(RepositoryFolder.Root(), config.Teacher)), $"{file}: its teacher {config.Teacher} is not in the repository");
        }
        Assert.NotNull(TrainingConfigFile.Load(Path.Combine(configs, "student-pad-pl-distill.yaml")).Initialize);
    }

    [Fact]
    public void A_fold_by_actor_scores_on_its_block_trains_on_the_rest_and_names_the_run()
    {
        var config = TrainingConfigFile.Parse("name: student-ldist\nseed: 42\n", "inline").UseActorFold(3, 5);
        Assert.Equal([9, 10, 11, 12], config.Data.EvalActors);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 13, 14, 15, 16, 17, 18, 19, 20], config.Data.TrainActors);
        Assert.Equal("student-ldist-fold-3", config.Name);
        config.Validate();

        // Fold 5 of the default actors is the default split itself; the pool is the config's own actors.
        var last = TrainingConfigFile.Parse("name: s\n", "inline").UseActorFold(5, 5);
        Assert.Equal([17, 18, 19, 20], last.Data.EvalActors);
        var small = TrainingConfigFile.Parse("name: s\ndata: { train_actors: [1, 2, 3, 4], eval_actors: [5, 6] }\n", "inline").UseActorFold(1, 3);
        Assert.Equal([1, 2], small.Data.EvalActors);
        Assert.Equal([3, 4, 5, 6], small.Data.TrainActors);
    }

    [Theory]
    [InlineData(0, 5, "fold: 0 is not a fold; give 1 to 5")]
    [InlineData(6, 5, "fold: 6 is not a fold; give 1 to 5")]
    [InlineData(1, 1, "folds: 1 folds by actor need between 2 and 20 folds")]
    [InlineData(1, 21, "folds: 21 folds by actor need between 2 and 20 folds")]
    public void An_impossible_fold_is_refused_naming_it(int fold, int folds, string expected)
    {
        var config = TrainingConfigFile.Parse("name: s\n", "inline");
        var error = Assert.Throws<ArgumentException>(() => config.UseActorFold(fold, folds));
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal("s", config.Name); // nothing changed
    }
}
