using System.Text.Json;
using PLDistill.Audio.Formats;
using PLDistill.Distillation.Training;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Lalm;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Training;

/// <summary>Real training runs, two epochs on a tiny synthetic RAVDESS-named corpus: outputs are checked, not just produced.</summary>
public sealed class TrainerSmokeTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("pld-train-").FullName;

    public TrainerSmokeTests()
    {
        // Four actors; each 4-class emotion is a tone at its own pitch with a little noise, 0.8 s long.
        var random = new Random(5);
        var pitches = new Dictionary<int, double> { [1] = 200, [3] = 450, [4] = 700, [5] = 1100 };
        var format = new PcmFormat(16000, 1, SampleEncoding.Int16);
        for (int actor = 1; actor <= 4; actor++)
        {
            foreach (var (emotion, pitch) in pitches)
            {
                for (int repetition = 1; repetition <= 2; repetition++)
                {
                    string folder = Path.Combine(root, "data", $"Actor_{actor:00}");
                    Directory.CreateDirectory(folder);
                    using var writer = WavWriter.Create(Path.Combine(folder, $"03-01-{emotion:00}-01-01-{repetition:00}-{actor:00}.wav"), format);
                    var samples = Enumerable.Range(0, 12800)
                        .Select(n => (float)(0.3 * Math.Sin(2 * Math.PI * pitch * (1 + 0.03 * actor) * n / 16000) + 0.02 * (random.NextDouble() - 0.5)))
                        .ToArray();
                    writer.WriteFrames(samples);
                }
            }
        }
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private TrainingConfig Config(string name, string role, DistillationMethod method, int epochs, string? teacher = null,
                                  string teacherOutputs = "precomputed", string speedCopies = "all", double? emaDecay = null) =>
        TrainingConfigFile.Parse($$"""
            name: {{name}}
            output: {{Path.Combine(root, "runs")}}
            role: {{role}}
            method: {{method switch { DistillationMethod.PlDistill => "pl_distill", DistillationMethod.FitNets => "fitnets", DistillationMethod.LogitKd => "logit_kd", _ => "none" }}}
            {{(teacher is null ? "" : $"teacher: {teacher}")}}
            model:
              encoder: { width: {{(role == "teacher" ? 48 : 32)}}, heads: 4, layers: 1, left_context_frames: {{(role == "teacher" ? "null" : "20")}}, dropout: 0 }
              language_model: { width: {{(role == "teacher" ? 48 : 32)}}, heads: 4, layers: 1, dropout: 0 }
            data: { root: {{Path.Combine(root, "data")}}, labels: "4", train_actors: [1, 2, 3], eval_actors: [4] }
            training: { epochs: {{epochs}}, batch_size: 8, learning_rate: 0.003, warmup_epochs: 0, crop_seconds: 0.6{{(emaDecay is double d ? $", ema_decay: {d.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "")}} }
            augmentation: { speeds: [1.0, 1.1], speed_copies: {{speedCopies}}, noise_probability: 0.5, time_masks: 1, frequency_masks: 1 }
            loss: { teacher_outputs: {{teacherOutputs}} }
            """, name);

    private static EpochRecord[] Metrics(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonSerializer.Deserialize<EpochRecord>(l)!).ToArray();

    [Fact]
    public void Teacher_trains_writes_its_run_folder_resumes_and_a_student_distils_from_it()
    {
        var teacher = new Trainer(Config("teacher", "teacher", DistillationMethod.None, epochs: 2), CPU).Run(cancellationToken: TestContext.Current.CancellationToken);

        foreach (string file in new[] { "config.yaml", "metrics.jsonl", "best.pldckpt", "last.pldckpt", "confusion.png", "best-metrics.json", "optimizer.state" })
            Assert.True(File.Exists(Path.Combine(teacher.RunFolder, file)), $"{file} is missing");
        var epochs = Metrics(teacher.RunFolder);
        Assert.Equal([1, 2], epochs.Select(e => e.Epoch));
        Assert.All(epochs, e => Assert.True(double.IsFinite(e.Loss) && e.Loss > 0));
        Assert.Equal(epochs.Max(e => e.Ua), teacher.BestMetrics.UnweightedAccuracy, 6);
        Assert.Equal(8, teacher.BestMetrics.Count);                               // actor 4: 4 emotions x 2 repetitions
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(teacher.RunFolder, "confusion.png"))[..4]);

        var (loaded, metadata) = CheckpointFile.Load(teacher.BestCheckpoint);
        Assert.Equal("teacher", metadata.Role);
        Assert.Equal(teacher.BestEpoch.ToString(System.Globalization.CultureInfo.InvariantCulture), metadata.Training["epoch"]);
        Assert.Null(loaded.Config.Encoder.LeftContextFrames);

        // Resume: a third epoch continues from the second, it does not start over.
        var longer = Config("teacher", "teacher", DistillationMethod.None, epochs: 3);
        new Trainer(longer, CPU).Run(resume: true, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal([1, 2, 3], Metrics(teacher.RunFolder).Select(e => e.Epoch));

        // PL-Distill student: CE + LDist + PDist(AwCKA), each term logged.
        var student = new Trainer(Config("student", "student", DistillationMethod.PlDistill, epochs: 1, teacher.BestCheckpoint), CPU).Run(cancellationToken: TestContext.Current.CancellationToken);
        var terms = Metrics(student.RunFolder).Single().LossTerms;
        Assert.Equal(["ce", "ldist", "pdist"], terms.Keys.Order());
        Assert.InRange(terms["pdist"], 0.0, 1.0);
        Assert.True(terms["ldist"] > 0);
        Assert.Equal(20, CheckpointFile.ReadMetadata(student.BestCheckpoint).Model.Encoder.LeftContextFrames);

        // The same with the teacher run on every augmented window instead of its stored whole-clip outputs.
        var online = new Trainer(Config("student-online", "student", DistillationMethod.PlDistill, epochs: 1, teacher.BestCheckpoint, teacherOutputs: "online"), CPU)
            .Run(cancellationToken: TestContext.Current.CancellationToken);
        var onlineTerms = Metrics(online.RunFolder).Single().LossTerms;
        Assert.Equal(["ce", "ldist", "pdist"], onlineTerms.Keys.Order());
        Assert.InRange(onlineTerms["pdist"], 0.0, 1.0);
    }

    [Fact]
    public void A_student_distils_from_an_ensemble_teacher_with_each_of_its_losses()
    {
        var first = Config("member", "teacher", DistillationMethod.None, epochs: 1);
        var second = Config("member", "teacher", DistillationMethod.None, epochs: 1);
        second.Seed = 7;
        second.Name = "member-s7";
        string a = new Trainer(first, CPU).Run(cancellationToken: TestContext.Current.CancellationToken).BestCheckpoint;
        string b = new Trainer(second, CPU).Run(cancellationToken: TestContext.Current.CancellationToken).BestCheckpoint;
        string manifest = Path.Combine(root, "runs", "teacher.pldens");
        TeacherFile.WriteManifest(manifest, [Path.GetRelativePath(Path.GetDirectoryName(manifest)!, a), Path.GetRelativePath(Path.GetDirectoryName(manifest)!, b)]);

        var lines = new List<string>();
        foreach (var (method, term) in new[] { (DistillationMethod.PlDistill, "pdist"), (DistillationMethod.FitNets, "fitnets"), (DistillationMethod.LogitKd, "logit_kd") })
        {
            var config = Config($"from-ensemble-{term}", "student", method, epochs: 1, manifest);
            var result = new Trainer(config, CPU, log: lines.Add).Run(cancellationToken: TestContext.Current.CancellationToken);
            var terms = Metrics(result.RunFolder).Single().LossTerms;
            Assert.Contains(term, terms.Keys);
            Assert.True(double.IsFinite(terms[term]) && terms[term] >= 0, $"{term} = {terms[term]}");
        }
        Assert.Contains(lines, l => l.Contains("(2 members)", StringComparison.Ordinal));
    }

    [Fact]
    public void One_speed_copy_per_epoch_trains_on_each_clip_once_per_epoch()
    {
        var all = new Trainer(Config("copies-all", "student", DistillationMethod.None, epochs: 1), CPU).Run(cancellationToken: TestContext.Current.CancellationToken);
        var one = new Trainer(Config("copies-one", "student", DistillationMethod.None, epochs: 1, speedCopies: "one_per_epoch"), CPU).Run(cancellationToken: TestContext.Current.CancellationToken);
        // 3 training actors x 8 clips, at two speeds: 48 variants in an epoch of every copy, 24 clips in an epoch of one.
        var allRecord = Metrics(all.RunFolder).Single();
        var oneRecord = Metrics(one.RunFolder).Single();
        Assert.Equal(48, allRecord.ClipsPerSecond * allRecord.TrainSeconds, 3);
        Assert.Equal(24, oneRecord.ClipsPerSecond * oneRecord.TrainSeconds, 3);
    }

    [Fact]
    public void An_initial_checkpoint_gives_its_weights_but_not_its_feature_normalisation()
    {
        var first = new Trainer(Config("s-first", "student", DistillationMethod.None, epochs: 1), CPU).Run(cancellationToken: TestContext.Current.CancellationToken);
        var (model, metadata) = CheckpointFile.Load(first.BestCheckpoint);
        var dataMean = Buffer(model, "featureMean");
        // A checkpoint normalised for other data (as a PAD-aligned student is for the paired corpus).
        model.Encoder.SetNormalization(tensor(Enumerable.Repeat(7f, dataMean.Length).ToArray()), tensor(Enumerable.Repeat(3f, dataMean.Length).ToArray()));
        string shifted = Path.Combine(root, "shifted.pldckpt");
        CheckpointFile.Save(shifted, model, metadata);

        var config = Config("s-init", "student", DistillationMethod.None, epochs: 1);
        config.Initialize = shifted;
        var second = new Trainer(config, CPU).Run(cancellationToken: TestContext.Current.CancellationToken);

        var (continued, _) = CheckpointFile.Load(second.BestCheckpoint);
        Assert.Equal(dataMean, Buffer(continued, "featureMean"));
        Assert.DoesNotContain(3f, Buffer(continued, "featureStd"));
    }

    [Fact]
    public void A_run_with_a_weight_average_scores_and_keeps_the_average_and_resumes_it()
    {
        var averaged = new Trainer(Config("s-ema", "student", DistillationMethod.None, epochs: 1, emaDecay: 0.99), CPU)
            .Run(cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(File.Exists(Path.Combine(averaged.RunFolder, "weight-average.state")));

        // Epoch 1 is the best: best.pldckpt keeps the averaged weights, last.pldckpt the optimiser's (to resume from).
        var (best, _) = CheckpointFile.Load(averaged.BestCheckpoint);
        var (last, _) = CheckpointFile.Load(Path.Combine(averaged.RunFolder, "last.pldckpt"));
        var bestWeights = best.parameters().Select(p => p.data<float>().ToArray()).ToArray();
        var lastWeights = last.parameters().Select(p => p.data<float>().ToArray()).ToArray();
        Assert.Contains(Enumerable.Range(0, bestWeights.Length), i => !bestWeights[i].SequenceEqual(lastWeights[i]));

        // The same run without an average scores the optimiser's weights: those of its last.pldckpt (the same seed and data).
        var plain = new Trainer(Config("s-plain", "student", DistillationMethod.None, epochs: 1), CPU)
            .Run(cancellationToken: TestContext.Current.CancellationToken);
        var (plainLast, _) = CheckpointFile.Load(Path.Combine(plain.RunFolder, "last.pldckpt"));
        Assert.Equal(lastWeights[0], plainLast.parameters().First().data<float>().ToArray());
        Assert.False(File.Exists(Path.Combine(plain.RunFolder, "weight-average.state")));

        // Resuming continues the average; resuming a run made without one, asking for one, is refused by name.
        new Trainer(Config("s-ema", "student", DistillationMethod.None, epochs: 2, emaDecay: 0.99), CPU)
            .Run(resume: true, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal([1, 2], Metrics(averaged.RunFolder).Select(e => e.Epoch));

        // A finished run resumed trains nothing and reports its best epoch's scores, as recorded (not the last weights').
        var again = new Trainer(Config("s-ema", "student", DistillationMethod.None, epochs: 2, emaDecay: 0.99), CPU)
            .Run(resume: true, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, Metrics(averaged.RunFolder).Length);
        Assert.Equal(Metrics(averaged.RunFolder).Max(e => e.Ua), again.BestMetrics.UnweightedAccuracy, 12);
        var error = Assert.Throws<InvalidDataException>(() => new Trainer(Config("s-plain", "student", DistillationMethod.None, epochs: 2, emaDecay: 0.99), CPU)
            .Run(resume: true, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("weight-average.state", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_run_never_overwrites_a_finished_one_and_an_interrupted_save_is_caught_on_resume()
    {
        var first = new Trainer(Config("kept", "student", DistillationMethod.None, epochs: 2), CPU).Run(cancellationToken: TestContext.Current.CancellationToken);
        byte[] best = File.ReadAllBytes(first.BestCheckpoint);

        // The same run again without --resume: refused, naming the run and the way out; nothing in the folder changes.
        var refused = Assert.Throws<ArgumentException>(() => new Trainer(Config("kept", "student", DistillationMethod.None, epochs: 2), CPU)
            .Run(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("already holds a run (trained to epoch 2", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--resume", refused.Message, StringComparison.Ordinal);
        Assert.Equal(best, File.ReadAllBytes(first.BestCheckpoint));
        Assert.Equal([1, 2], Metrics(first.RunFolder).Select(e => e.Epoch));

        // Killed after epoch 3's scores were appended but before its state was saved: the resumed run trains epoch 3 again
        // and metrics.jsonl holds it once.
        string metrics = Path.Combine(first.RunFolder, "metrics.jsonl");
        File.AppendAllText(metrics, File.ReadAllLines(metrics)[^1].Replace("\"epoch\":2,", "\"epoch\":3,", StringComparison.Ordinal) + "\n");
        new Trainer(Config("kept", "student", DistillationMethod.None, epochs: 3), CPU).Run(resume: true, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal([1, 2, 3], Metrics(first.RunFolder).Select(e => e.Epoch));

        // Resuming with other settings than the run's (here the batch size) is refused, naming the setting.
        var changed = Config("kept", "student", DistillationMethod.None, epochs: 4);
        changed.Training.BatchSize = 4;
        var other = Assert.Throws<ArgumentException>(() => new Trainer(changed, CPU).Run(resume: true, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("'batch_size: 8', now 'batch_size: 4'", other.Message, StringComparison.Ordinal);

        // Killed after last.pldckpt was written but before the state: the files disagree, and resuming says so.
        string state = Path.Combine(first.RunFolder, "trainer-state.json");
        File.WriteAllText(state, File.ReadAllText(state).Replace("\"Epoch\":3", "\"Epoch\":2", StringComparison.Ordinal));
        var torn = Assert.Throws<InvalidDataException>(() => new Trainer(Config("kept", "student", DistillationMethod.None, epochs: 4), CPU)
            .Run(resume: true, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("last.pldckpt holds epoch 3 but trainer-state.json says epoch 2", torn.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_run_folder_is_mended_where_an_interruption_explains_it_and_refused_by_name_where_not()
    {
        var run = new Trainer(Config("damaged", "student", DistillationMethod.None, epochs: 2), CPU).Run(cancellationToken: TestContext.Current.CancellationToken);
        string metrics = Path.Combine(run.RunFolder, "metrics.jsonl"), bestScores = Path.Combine(run.RunFolder, "best-metrics.json");
        byte[] best = File.ReadAllBytes(run.BestCheckpoint);

        // Killed while appending epoch 3's line: the torn line goes, and epoch 3 is trained again.
        File.AppendAllText(metrics, "{\"epoch\":3,\"loss\":1.2");
        new Trainer(Config("damaged", "student", DistillationMethod.None, epochs: 3), CPU).Run(resume: true, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal([1, 2, 3], Metrics(run.RunFolder).Select(e => e.Epoch));

        // A damaged line before the last, or damaged best scores, is not an interruption's: refused, naming the file.
        string[] lines = File.ReadAllLines(metrics);
        File.WriteAllLines(metrics, [lines[0], "{\"epoch\":", .. lines[1..]]);
        var line = Assert.Throws<InvalidDataException>(() => new Trainer(Config("damaged", "student", DistillationMethod.None, epochs: 4), CPU)
            .Run(resume: true, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("metrics.jsonl, line 2", line.Message, StringComparison.Ordinal);
        File.WriteAllLines(metrics, lines);
        File.WriteAllText(bestScores, "{\"accuracy\": 1");
        var scores = Assert.Throws<InvalidDataException>(() => new Trainer(Config("damaged", "student", DistillationMethod.None, epochs: 3), CPU)
            .Run(resume: true, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("best-metrics.json is damaged", scores.Message, StringComparison.Ordinal);

        // A state file cut short is named.
        string optimizerState = Path.Combine(run.RunFolder, "optimizer.state");
        byte[] whole = File.ReadAllBytes(optimizerState);
        File.WriteAllBytes(optimizerState, whole[..(whole.Length / 2)]);
        var cut = Assert.Throws<InvalidDataException>(() => new Trainer(Config("damaged", "student", DistillationMethod.None, epochs: 4), CPU)
            .Run(resume: true, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("optimizer.state is truncated or damaged", cut.Message, StringComparison.Ordinal);
        File.WriteAllBytes(optimizerState, whole);

        // The weights to continue from are gone: refused, rather than starting over and overwriting the best checkpoint.
        best = File.ReadAllBytes(run.BestCheckpoint);
        File.Delete(Path.Combine(run.RunFolder, "last.pldckpt"));
        var missing = Assert.Throws<InvalidDataException>(() => new Trainer(Config("damaged", "student", DistillationMethod.None, epochs: 4), CPU)
            .Run(resume: true, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("last.pldckpt, the weights to continue from, is missing", missing.Message, StringComparison.Ordinal);
        Assert.Equal(best, File.ReadAllBytes(run.BestCheckpoint));
        Assert.Equal([1, 2, 3], Metrics(run.RunFolder).Select(e => e.Epoch));
    }

    [Fact]
    public void A_missing_teacher_is_named_before_any_work_and_the_run_folder_is_left_empty()
    {
        string missing = Path.Combine(root, "no-such-teacher.pldens");
        var config = Config("orphan", "student", DistillationMethod.PlDistill, epochs: 1, teacher: missing);

        var error = Assert.Throws<FileNotFoundException>(() => new Trainer(config, CPU).Run(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains($"teacher {missing}: no such file", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(config.Output, config.Name, "config.yaml")));
    }

    [Fact]
    public void A_run_folder_in_use_by_another_run_is_refused_and_left_alone()
    {
        var config = Config("busy", "student", DistillationMethod.None, epochs: 1);
        string folder = Path.Combine(config.Output, config.Name);
        Directory.CreateDirectory(folder);
        using (new FileStream(Path.Combine(folder, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))   // as a running trainer holds it
        {
            var busy = Assert.Throws<IOException>(() => new Trainer(config, CPU).Run(cancellationToken: TestContext.Current.CancellationToken));
            Assert.Contains("in use by another training run", busy.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(folder, "config.yaml")));
        }
        new Trainer(config, CPU).Run(cancellationToken: TestContext.Current.CancellationToken);   // free again once the other ends
        Assert.Equal([1], Metrics(folder).Select(e => e.Epoch));
    }

    [Fact]
    public void A_resumed_fitnets_run_continues_its_hint_layer()
    {
        // FitNets trains a projection of the student's features alongside it; a resumed run must continue that layer, not
        // draw a new one: one epoch then a resumed second gives the uninterrupted run's second epoch.
        string teacher = new Trainer(Config("hint-teacher", "teacher", DistillationMethod.None, epochs: 1), CPU)
            .Run(cancellationToken: TestContext.Current.CancellationToken).BestCheckpoint;
        var whole = new Trainer(Config("fitnets-whole", "student", DistillationMethod.FitNets, epochs: 2, teacher), CPU)
            .Run(cancellationToken: TestContext.Current.CancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        Assert.ThrowsAny<OperationCanceledException>(() => new Trainer(Config("fitnets-split", "student", DistillationMethod.FitNets, epochs: 2, teacher), CPU,
                log: line => { if (line.StartsWith("epoch 1/2", StringComparison.Ordinal)) stop.Cancel(); })
            .Run(cancellationToken: stop.Token));   // stopped after its first epoch, as by Ctrl+C
        var split = new Trainer(Config("fitnets-split", "student", DistillationMethod.FitNets, epochs: 2, teacher), CPU)
            .Run(resume: true, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(File.Exists(Path.Combine(split.RunFolder, "fitnets-hint.state")));
        var (a, b) = (Metrics(whole.RunFolder)[1], Metrics(split.RunFolder)[1]);
        Assert.Equal(a.LossTerms["fitnets"], b.LossTerms["fitnets"], 5);
        Assert.Equal(a.Loss, b.Loss, 5);
    }

    private static float[] Buffer(AudioLanguageModel model, string name) =>
        model.Encoder.named_buffers().Single(b => b.name == name).buffer.data<float>().ToArray();

    [Fact]
    public void A_teacher_with_other_features_is_refused_before_training()
    {
        var teacherConfig = Config("t2", "teacher", DistillationMethod.None, epochs: 1);
        teacherConfig.Features = teacherConfig.Features with { MelBins = 40 };
        teacherConfig.Model = teacherConfig.ResolvedModel with { Encoder = teacherConfig.ResolvedModel.Encoder with { MelBins = 40 } };
        var teacher = new Trainer(teacherConfig, CPU).Run(cancellationToken: TestContext.Current.CancellationToken);
        var error = Assert.Throws<ArgumentException>(() =>
            new Trainer(Config("s2", "student", DistillationMethod.PlDistill, 1, teacher.BestCheckpoint), CPU).Run(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("other features", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_teacher_trained_on_the_runs_evaluation_actors_is_refused_before_training()
    {
        // The teacher trains on actors 1-3; a student scored on actor 2 (as a --fold run with its config's teacher would
        // be) would learn actor 2's labels through it.
        var teacher = new Trainer(Config("t3", "teacher", DistillationMethod.None, epochs: 1), CPU).Run(cancellationToken: TestContext.Current.CancellationToken);
        var (_, metadata) = CheckpointFile.Load(teacher.BestCheckpoint);
        Assert.Equal("1,2,3", metadata.Training[TrainingActors.Key]);
        var student = Config("s3", "student", DistillationMethod.PlDistill, 1, teacher.BestCheckpoint);
        student.Data.TrainActors = [1, 3, 4];
        student.Data.EvalActors = [2];

        var error = Assert.Throws<ArgumentException>(() => new Trainer(student, CPU).Run(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("it was trained on actors 02, which this run evaluates on", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(root, "runs", "s3")) && File.Exists(Path.Combine(root, "runs", "s3", "metrics.jsonl")));
    }

    [Fact]
    public void Checkpoints_from_before_the_training_actors_were_recorded_count_every_actor_outside_their_validation_as_trained_on()
    {
        var teacher = new Trainer(Config("t4", "teacher", DistillationMethod.None, epochs: 1), CPU).Run(cancellationToken: TestContext.Current.CancellationToken);
        var (_, recorded) = CheckpointFile.Load(teacher.BestCheckpoint);
        var old = recorded with { Training = new Dictionary<string, string> { [TrainingActors.ValidationKey] = "17,18,19,20" } };

        Assert.Equal([1, 2, 3], TrainingActors.Of(recorded)!.Order());
        Assert.Equal([.. Enumerable.Range(1, 16), 21, 22, 23, 24], TrainingActors.Of(old)!.Order());
        Assert.Null(TrainingActors.Of(recorded with { Training = new Dictionary<string, string>() }));
        Assert.Equal("01-16", TrainingActors.Describe(Enumerable.Range(1, 16)));
        Assert.Equal("01, 05", TrainingActors.Describe([5, 1]));
    }
}
