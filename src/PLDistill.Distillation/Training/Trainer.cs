using System.Diagnostics;
using System.Text.Json;
using PLDistill.Audio.Data;
using PLDistill.Distillation.Augmentation;
using PLDistill.Distillation.Data;
using PLDistill.Distillation.Evaluation;
using PLDistill.Distillation.Reporting;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Lalm;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Training;

/// <summary>
/// Trains a teacher or distils a student, top to bottom: data -> model (and teacher) -> AdamW with warm-up and cosine
/// decay -> epochs of augmented batches -> validation UA every epoch -> best checkpoint. A run folder holds the resolved
/// config, metrics.jsonl, best/last checkpoints, optimiser state (so a run resumes) and a confusion-matrix PNG.
/// </summary>
public sealed class Trainer
{
    private readonly TrainingConfig config;
    private readonly Device device;
    private readonly IProgress<TrainingProgress>? progress;
    private readonly Action<string> log;

    /// <summary>A trainer for <paramref name="config"/> on <paramref name="device"/>.</summary>
    public Trainer(TrainingConfig config, Device device, IProgress<TrainingProgress>? progress = null, Action<string>? log = null)
    {
        this.config = config.Validate();
        this.device = device;
        this.progress = progress;
        this.log = log ?? (_ => { });
    }

    /// <summary>The run folder.</summary>
    public string RunFolder => Path.Combine(config.Output, config.Name);

    /// <summary>Runs (or, with <paramref name="resume"/>, continues) training.</summary>
    public TrainingResult Run(bool resume = false, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(RunFolder);
        using var folderLock = RunFolderLock.Take(RunFolder);
        if (!resume && RunState.Exists(RunFolder))
            throw new ArgumentException($"{RunFolder} already holds a run ({RunState.Describe(RunFolder)}); pass --resume to continue it, " +
                                        "or give another --output or --seed: a new run would overwrite its checkpoints and scores");
        if (resume && RunState.Exists(RunFolder))
            RefuseChangedConfig();
        // A mistyped teacher is named now, not after minutes of feature extraction, and before the run folder is written to.
        if (config.Method != DistillationMethod.None && !File.Exists(config.Teacher))
            throw new FileNotFoundException($"teacher {config.Teacher}: no such file (a .pldckpt checkpoint or a .pldens ensemble manifest)", config.Teacher);
        File.WriteAllText(Path.Combine(RunFolder, "config.yaml"), TrainingConfigFile.ToYaml(config));
        if (config.Training.Threads > 0)
            set_num_threads(config.Training.Threads);

        // 1. Data: features once, speed-perturbed copies for training, whole clips for validation.
        var labels = EmotionLabelSet.Parse(config.Data.Labels);
        var split = new ActorSplit(config.Data.TrainActors, config.Data.EvalActors);
        var corpus = RavdessCorpus.Scan(ResolveDataRoot());
        if (corpus.SkippedSummary is { } unnamed)
            log($"data: {unnamed}");
        var trainClips = FeatureBank.Build(split.Train(corpus.Clips), labels, config.Features, config.Augmentation.Speeds);
        var evalClips = FeatureBank.Build(split.Evaluation(corpus.Clips), labels, config.Features);
        if (trainClips.Count == 0 || evalClips.Count == 0)
            throw new ArgumentException($"data.root {corpus.Root}: no clips for {split} with labels {labels.Name}");
        log($"data: {trainClips.Count} training variants ({config.Augmentation.Speeds.Count} speeds), {evalClips.Count} validation clips, {split}");

        // 2. Model (and teacher).
        manual_seed(config.Seed);
        var model = new AudioLanguageModel(config.ResolvedModel);
        if (config.Initialize is not null)
            CheckpointFile.LoadInto(config.Initialize, model);
        // Normalisation always comes from this run's training data, also over an initial checkpoint: a PAD-aligned student
        // carries the paired corpus's statistics, which would shift every RAVDESS feature.
        var (mean, std) = FeatureBank.Statistics(trainClips.Where(c => c.Speed == 1.0), config.Features.MelBins);
        model.Encoder.SetNormalization(tensor(mean), tensor(std));
        model.to(device);
        using var teacher = LoadTeacher(model);
        using var hint = config.Method == DistillationMethod.FitNets && teacher is not null
            ? nn.Linear(model.Config.LanguageModel.Width, teacher.ProjectedWidth).to(device)
            : null;
        var objective = new DistillationObjective(config.Method, config.Loss, labels, hint);
        using var precomputed = teacher is not null && config.Loss.TeacherOutputs == TeacherOutputs.Precomputed
            ? PrecomputeTeacher(teacher, model, trainClips, objective) : null;
        log($"model: {config.Role} {model.ParameterCount:N0} parameters{(teacher is null ? "" : $", teacher {teacher.ParameterCount:N0}{(teacher.Members.Count > 1 ? $" ({teacher.Members.Count} members)" : "")}")}, method {config.Method}, device {device.type}");

        // 3. Optimiser and schedule.
        var parameters = model.parameters().Concat(hint?.parameters() ?? []).ToArray();
        using var optimizer = new AdamW(parameters, config.Training.LearningRate, config.Training.WeightDecay);
        using var average = config.Training.EmaDecay is double decay ? new WeightAverage(model.parameters(), decay) : null;
        var builder = new BatchBuilder(trainClips, config.Features.MelBins);
        bool onePerEpoch = config.Augmentation.SpeedCopies == SpeedCopies.OnePerEpoch;
        int clipsPerEpoch = onePerEpoch ? builder.SourceCount : trainClips.Count;
        int batchesPerEpoch = (clipsPerEpoch + config.Training.BatchSize - 1) / config.Training.BatchSize;
        var schedule = new LearningRateSchedule(config.Training.LearningRate,
            (long)(config.Training.WarmupEpochs * batchesPerEpoch), (long)config.Training.Epochs * batchesPerEpoch);
        int cropFrames = (int)Math.Round(config.Training.CropSeconds * config.Features.FramesPerSecond);

        var state = resume ? RunState.Load(RunFolder, model, optimizer, average, hint) : new RunState();
        if (state.Epoch > 0)
            log($"resuming after epoch {state.Epoch} (best UA {state.BestUa:P1} at epoch {state.BestEpoch})");
        EmotionMetrics? bestMetrics = state.BestEpoch > 0 ? RunState.BestMetrics(RunFolder) : null;
        double trainedSeconds = 0;
        long trainedClips = 0;

        for (int epoch = state.Epoch + 1; epoch <= config.Training.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Everything random in an epoch derives from (seed, epoch), so a resumed run repeats an uninterrupted one.
            manual_seed(config.Seed * 1000L + epoch);
            var random = new Random(config.Seed * 1000 + epoch);
            var augmenter = new FeatureAugmenter(config.Augmentation, tensor(mean).to(device), config.Seed * 7919 + epoch);
            model.train();
            var epochClock = Stopwatch.StartNew();
            double lossSum = 0;
            var termSums = new Dictionary<string, double>();
            int batchIndex = 0;
            var epochBatches = onePerEpoch ? builder.OrderOnePerSource(config.Training.BatchSize, random)
                : builder.Order(config.Training.BatchSize, random);
            foreach (int[] indices in epochBatches)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                optimizer.LearningRate = schedule.At((long)(epoch - 1) * batchesPerEpoch + batchIndex);
                // Windows start on audio-token boundaries, so that a window's tokens are a run of the whole clip's.
                using var batch = builder.Make(indices, cropFrames, random, offsetStep: model.Config.Encoder.Subsampling).To(device);
                var mel = augmenter.Apply(batch.Mel, batch.Lengths);

                using var studentOutput = model.Forward(mel, batch.Lengths);
                LalmOutput? teacherOutput = null;
                Tensor? teacherWeights = null;
                if (precomputed is not null)
                    (teacherOutput, teacherWeights) = precomputed.ForWindows(batch.Windows, batch.Lengths);
                else if (teacher is not null)
                {
                    using var noGrad = no_grad();
                    teacherOutput = teacher.Forward(mel, batch.Lengths, objective.NeedsTeacherAttention);
                }
                var (loss, terms) = objective.Compute(model, studentOutput, teacherOutput, batch.Targets, teacherWeights);
                teacherOutput?.Dispose();
                teacherWeights?.Dispose();

                optimizer.ZeroGrad();
                loss.backward();
                nn.utils.clip_grad_norm_(parameters, config.Training.GradClip);
                optimizer.Step();
                average?.Update();

                double value = loss.item<float>();
                lossSum += value;
                foreach (var (name, term) in terms)
                    termSums[name] = termSums.GetValueOrDefault(name) + term;
                batchIndex++;
                progress?.Report(new TrainingProgress(epoch, config.Training.Epochs, batchIndex, batchesPerEpoch, lossSum / batchIndex,
                    state.LastUa, state.BestEpoch > 0 ? state.BestUa : null, clock.Elapsed, Remaining(clock, state.Epoch, epoch, batchIndex, batchesPerEpoch)));
            }
            double epochSeconds = epochClock.Elapsed.TotalSeconds;
            trainedSeconds += epochSeconds;
            trainedClips += clipsPerEpoch;

            // Validation every epoch, of the averaged weights where the run keeps an average; the best UA wins.
            EmotionMetrics metrics;
            using (average?.SwapIn())
            {
                metrics = Evaluator.Evaluate(model, evalClips, labels, device);
                state.LastUa = metrics.UnweightedAccuracy;
                if (state.BestEpoch == 0 || metrics.UnweightedAccuracy > state.BestUa)
                {
                    state.BestUa = metrics.UnweightedAccuracy;
                    state.BestEpoch = epoch;
                    bestMetrics = metrics;
                    SaveCheckpoint(model, "best.pldckpt", epoch, metrics);
                    AtomicFile.Write(Path.Combine(RunFolder, RunState.BestMetricsFile), path => File.WriteAllText(path, JsonSerializer.Serialize(metrics)));
                    ConfusionMatrixPlot.Save(metrics, Path.Combine(RunFolder, "confusion.png"), $"{config.Name} epoch {epoch}");
                }
            }
            var record = new EpochRecord
            {
                Epoch = epoch,
                Loss = lossSum / Math.Max(1, batchIndex),
                LossTerms = termSums.ToDictionary(kv => kv.Key, kv => kv.Value / Math.Max(1, batchIndex)),
                LearningRate = optimizer.LearningRate,
                Wa = metrics.WeightedAccuracy,
                Ua = metrics.UnweightedAccuracy,
                MacroF1 = metrics.MacroF1,
                BestUa = state.BestUa,
                TrainSeconds = epochSeconds,
                ClipsPerSecond = clipsPerEpoch / epochSeconds,
            };
            File.AppendAllText(Path.Combine(RunFolder, "metrics.jsonl"), JsonSerializer.Serialize(record) + "\n");
            // The optimiser's weights, from which a run resumes (where the run keeps an average, the scores it records
            // are the averaged weights' of this epoch).
            SaveCheckpoint(model, "last.pldckpt", epoch, metrics);
            state.Epoch = epoch;
            state.Save(RunFolder, optimizer, average, hint);
            log($"epoch {epoch}/{config.Training.Epochs} loss {record.Loss:F3} WA {metrics.WeightedAccuracy:P1} UA {metrics.UnweightedAccuracy:P1} F1 {metrics.MacroF1:P1} (best {state.BestUa:P1} @ {state.BestEpoch}) {epochSeconds:F1}s");
        }

        if (bestMetrics is null)
        {
            using (average?.SwapIn())
                bestMetrics = Evaluator.Evaluate(model, evalClips, labels, device);
        }
        return new TrainingResult(RunFolder, Path.Combine(RunFolder, "best.pldckpt"), state.BestEpoch, bestMetrics,
            model.ParameterCount, trainedSeconds > 0 ? trainedClips / trainedSeconds : 0, clock.Elapsed);
    }

    // A resumed run must be the run it continues: another batch size, split, method or loss would silently change what the
    // saved epochs and the learning-rate schedule mean. Only the length may change (more epochs, warm-up kept inside them).
    private void RefuseChangedConfig()
    {
        string path = Path.Combine(RunFolder, "config.yaml");
        if (!File.Exists(path))
            return;
        var saved = TrainingConfigFile.Load(path);
        saved.Training.Epochs = config.Training.Epochs;
        saved.Training.WarmupEpochs = config.Training.WarmupEpochs;
        saved.Training.EmaDecay = config.Training.EmaDecay;   // RunState.Load names a missing average itself
        saved.Output = config.Output;
        string[] before = TrainingConfigFile.ToYaml(saved).Split('\n'), after = TrainingConfigFile.ToYaml(config).Split('\n');
        int differs = Enumerable.Range(0, Math.Max(before.Length, after.Length))
            .FirstOrDefault(i => i >= before.Length || i >= after.Length || before[i] != after[i], -1);
        if (differs >= 0)
            throw new ArgumentException($"{RunFolder} was trained with another config (line {differs + 1} of its config.yaml: " +
                                        $"'{(differs < before.Length ? before[differs].Trim() : "")}', now '{(differs < after.Length ? after[differs].Trim() : "")}'); " +
                                        "--resume continues a run as it was set up (only training.epochs may change): start a new run for the new settings");
    }

    private string ResolveDataRoot()
    {
        if (!string.IsNullOrWhiteSpace(config.Data.Root))
            return config.Data.Root;
        return RavdessCorpus.FindSharedRoot()
               ?? throw new DirectoryNotFoundException($"data.root is empty and no shared RAVDESS copy was found ({RavdessCorpus.SharedRelativePath} or ${RavdessCorpus.RootEnvironmentVariable})");
    }

    /// <summary>The teacher's outputs on every clean, whole training variant, once (see <see cref="PrecomputedTeacher"/>).</summary>
    private PrecomputedTeacher PrecomputeTeacher(ModelEnsemble teacher, AudioLanguageModel student, IReadOnlyList<FeatureClip> clips,
                                                 DistillationObjective objective)
    {
        if (teacher.Config.Encoder.Subsampling != student.Config.Encoder.Subsampling)
            throw new ArgumentException($"loss.teacher_outputs: precomputed needs the teacher's audio-token rate (subsampling {teacher.Config.Encoder.Subsampling}) " +
                                        $"to equal the student's ({student.Config.Encoder.Subsampling}); use online");
        var clock = Stopwatch.StartNew();
        var result = PrecomputedTeacher.Compute(teacher, clips, objective.NeedsTeacherAttention ? config.Loss.Attention : null, device);
        log($"teacher outputs: {clips.Count} clean whole clips in {clock.Elapsed.TotalSeconds:F0} s (kept on {device.type})");
        // What AwCKA's weighting changes against plain CKA: how far the teacher's weights are from uniform over the
        // training windows (crop_seconds of audio steps, one second apart).
        int secondSteps = (int)Math.Round(config.Features.FramesPerSecond / student.Config.Encoder.Subsampling);
        int windowSteps = (int)Math.Round(config.Training.CropSeconds * secondSteps);
        if (result.ProfileWeights(windowSteps, secondSteps) is { } profile)
            log($"AwCKA weights over {windowSteps}-step windows: {profile}");
        return result;
    }

    /// <summary>The teacher: one checkpoint or an ensemble manifest (<see cref="TeacherFile"/>), checked against the run.</summary>
    private ModelEnsemble? LoadTeacher(AudioLanguageModel student)
    {
        if (config.Method == DistillationMethod.None)
            return null;
        var (teacher, metadata) = TeacherFile.Load(config.Teacher!);
        if (!metadata.Vocabulary.SequenceEqual(student.Vocabulary.Tokens))
            throw new ArgumentException($"teacher {config.Teacher}: its vocabulary differs from the student's; LDist needs a shared vocabulary");
        if (metadata.Features != config.Features)
            throw new ArgumentException($"teacher {config.Teacher}: trained with other features ({metadata.Features}); use the same features section");
        if (metadata.LabelSet != EmotionLabelSet.Parse(config.Data.Labels).Name)
            throw new ArgumentException($"teacher {config.Teacher}: trained for {metadata.LabelSet}, this run uses {config.Data.Labels}");
        // A teacher that trained on this run's evaluation actors would carry their labels into the student: a --fold run
        // keeps its config's teacher (trained on the table's split) unless given one of its own fold.
        if (TrainingActors.Of(metadata) is { } taught && config.Data.EvalActors.Where(taught.Contains).ToArray() is { Length: > 0 } leaked)
            throw new ArgumentException($"teacher {config.Teacher}: it was trained on actors {TrainingActors.Describe(leaked)}, which this run " +
                                        $"evaluates on; distil from a teacher trained without them (for --fold K, one trained with --fold K; tools/folds-kd.sh makes them)");
        return teacher.To(device).Eval();
    }

    private void SaveCheckpoint(AudioLanguageModel model, string fileName, int epoch, EmotionMetrics metrics)
    {
        var labels = EmotionLabelSet.Parse(config.Data.Labels);
        var metadata = new CheckpointMetadata
        {
            Role = config.Role,
            Model = model.Config,
            Features = config.Features,
            LabelSet = labels.Name,
            Vocabulary = model.Vocabulary.Tokens,
            PromptPrefix = TextVocabulary.DefaultPrefix,
            PromptSuffix = TextVocabulary.DefaultSuffix,
            Streaming = config.Streaming with { LeftContextFrames = model.Config.Encoder.LeftContextFrames ?? 0 },
            Training = new Dictionary<string, string>
            {
                ["run"] = config.Name,
                ["method"] = config.Method.ToString(),
                ["seed"] = config.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["epoch"] = epoch.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["validation_ua"] = metrics.UnweightedAccuracy.ToString("F4", System.Globalization.CultureInfo.InvariantCulture),
                ["validation_wa"] = metrics.WeightedAccuracy.ToString("F4", System.Globalization.CultureInfo.InvariantCulture),
                [TrainingActors.ValidationKey] = TrainingActors.Format(config.Data.EvalActors),
                [TrainingActors.Key] = TrainingActors.Format(config.Data.TrainActors),
            },
        };
        CheckpointFile.Save(Path.Combine(RunFolder, fileName), model, metadata);
    }

    /// <summary>Time left, extrapolated from the batches done in this process (validation time included).</summary>
    private TimeSpan? Remaining(Stopwatch clock, int resumedAfter, int epoch, int batch, int batchesPerEpoch)
    {
        long done = (long)(epoch - 1 - resumedAfter) * batchesPerEpoch + batch;
        long total = (long)(config.Training.Epochs - resumedAfter) * batchesPerEpoch;
        return done == 0 ? null : TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / done * (total - done));
    }
}
