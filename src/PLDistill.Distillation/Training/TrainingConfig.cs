using PLDistill.Distillation.Augmentation;
using PLDistill.Distillation.Losses;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;

namespace PLDistill.Distillation.Training;

/// <summary>
/// Everything a training run needs, read from YAML (<see cref="TrainingConfigFile"/>). Keys are snake_case; an unknown
/// key or a value of the wrong type is an error naming the key and line.
/// </summary>
public sealed class TrainingConfig
{
    /// <summary>Run name; the run folder is <c>{output}/{name}</c>.</summary>
    public string Name { get; set; } = "run";

    /// <summary>Folder that holds run folders.</summary>
    public string Output { get; set; } = "runs";

    /// <summary>Seed for weights, shuffling and augmentation.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>"teacher" or "student".</summary>
    public string Role { get; set; } = "student";

    /// <summary>Which losses train the model.</summary>
    public DistillationMethod Method { get; set; } = DistillationMethod.None;

    /// <summary>Teacher checkpoint for the KD methods.</summary>
    public string? Teacher { get; set; }

    /// <summary>Checkpoint to start from instead of random weights (e.g. a PAD pre-aligned student); its feature normalisation is replaced by this run's training statistics.</summary>
    public string? Initialize { get; set; }

    /// <summary>Model shape; the preset of <see cref="Role"/> when omitted.</summary>
    public LalmConfig? Model { get; set; }

    /// <summary>Front-end settings.</summary>
    public LogMelOptions Features { get; set; } = new();

    /// <summary>Where the data is and how it is split.</summary>
    public DataSection Data { get; set; } = new();

    /// <summary>Optimisation.</summary>
    public OptimizationSection Training { get; set; } = new();

    /// <summary>Augmentation in training.</summary>
    public AugmentationOptions Augmentation { get; set; } = new();

    /// <summary>Loss weights and distillation settings.</summary>
    public LossSection Loss { get; set; } = new();

    /// <summary>Streaming parameters written into the checkpoint.</summary>
    public StreamingParameters Streaming { get; set; } = new();

    /// <summary>The model shape this run builds.</summary>
    public LalmConfig ResolvedModel => Model ?? (Role == "teacher" ? LalmConfig.Teacher : LalmConfig.Student);

    /// <summary>
    /// Makes this run fold <paramref name="fold"/> of <paramref name="folds"/> by actor (<c>pld distill --fold</c>): the
    /// config's actors, training and evaluation together, are split into <paramref name="folds"/> contiguous blocks in
    /// actor order (<see cref="PLDistill.Audio.Data.ActorSplit.KFold"/>); the run selects and scores on block
    /// <paramref name="fold"/>, trains on the others, and is named <c>{name}-fold-{fold}</c>. With actors 1–20 and 5
    /// folds, fold K scores on actors 4K−3 … 4K and fold 5 is the default split. One config then serves every fold.
    /// </summary>
    public TrainingConfig UseActorFold(int fold, int folds)
    {
        int[] actors = Data.TrainActors.Concat(Data.EvalActors).Distinct().Order().ToArray();
        if (folds < 2 || folds > actors.Length)
            throw new ArgumentException($"folds: {folds} folds by actor need between 2 and {actors.Length} folds (the config has {actors.Length} actors)");
        if (fold < 1 || fold > folds)
            throw new ArgumentException($"fold: {fold} is not a fold; give 1 to {folds}");
        var split = PLDistill.Audio.Data.ActorSplit.Fold(fold, folds, actors);
        Data.TrainActors = split.TrainActors.ToList();
        Data.EvalActors = split.EvaluationActors.ToList();
        Name = $"{Name}-fold-{fold}";
        return this;
    }

    /// <summary>Checks everything once; throws <see cref="ArgumentException"/> naming the key.</summary>
    public TrainingConfig Validate()
    {
        if (Role is not ("teacher" or "student"))
            throw new ArgumentException($"role: '{Role}' must be teacher or student");
        if (Method != DistillationMethod.None && string.IsNullOrWhiteSpace(Teacher))
            throw new ArgumentException($"teacher: method {Method} distils from a teacher; give its checkpoint path");
        // The run folder is {output}/{name}: '..', '.' or a separator would put it (and its config.yaml and checkpoints)
        // over another folder, e.g. the current one.
        if (string.IsNullOrWhiteSpace(Name) || Name is "." or ".." || Name.IndexOfAny(['/', '\\']) >= 0
            || Name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new ArgumentException($"name: '{Name}' must be a folder name (not '.' or '..', no '/' or '\\'): the run writes to {Output}/{Name}");
        ResolvedModel.Validate();
        Features.Validate();
        if (Features.MelBins != ResolvedModel.Encoder.MelBins)
            throw new ArgumentException($"features.mel_bins ({Features.MelBins}) must equal model.encoder.mel_bins ({ResolvedModel.Encoder.MelBins})");
        Data.Validate();
        Training.Validate();
        Augmentation.Validate();
        Loss.Validate();
        // Every numeric check is a negated comparison, which NaN fails, plus IsFinite where there is no upper bound:
        // a .nan or .inf setting would otherwise pass and train NaN weights.
        if (!(double.IsFinite(Streaming.HopMilliseconds) && Streaming.HopMilliseconds > 0))
            throw new ArgumentException($"streaming.hop_milliseconds must be a finite number > 0, not {Streaming.HopMilliseconds}");
        if (!(double.IsFinite(Streaming.WindowSeconds) && Streaming.WindowSeconds > 0))
            throw new ArgumentException($"streaming.window_seconds must be a finite number > 0, not {Streaming.WindowSeconds}");
        // A checkpoint whose window its model cannot serve trains to the end and is then refused by run, demo and serve.
        var (shortest, longest) = ResolvedModel.ServableWindowSeconds(Features);
        if (!(Streaming.WindowSeconds >= shortest - 1e-9 && Streaming.WindowSeconds <= longest + 1e-9))
            throw new ArgumentException(shortest == longest
                ? $"streaming.window_seconds must be {shortest:0.##}, the window this model's LM reads (model.language_model.audio_window sets it), not {Streaming.WindowSeconds}"
                : $"streaming.window_seconds must be {shortest:0.##}..{longest:0.##} for this model's LM, not {Streaming.WindowSeconds}");
        return this;
    }
}

/// <summary>Data location, label set and speaker-independent split.</summary>
public sealed class DataSection
{
    /// <summary>RAVDESS folder; empty = the shared copy (../shared/data/ravdess or $PLDISTILL_RAVDESS).</summary>
    public string Root { get; set; } = "";

    /// <summary>"8" or "4".</summary>
    public string Labels { get; set; } = "8";

    /// <summary>Actors to train on.</summary>
    public List<int> TrainActors { get; set; } = Enumerable.Range(1, 16).ToList();

    /// <summary>Actors to select the best epoch on and report.</summary>
    public List<int> EvalActors { get; set; } = Enumerable.Range(17, 4).ToList();

    internal void Validate()
    {
        PLDistill.Audio.Data.EmotionLabelSet.Parse(Labels);
        _ = new PLDistill.Audio.Data.ActorSplit(TrainActors, EvalActors);
    }
}

/// <summary>Optimiser and schedule.</summary>
public sealed class OptimizationSection
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; set; } = 40;

    /// <summary>Clips per step.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Peak AdamW learning rate.</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>AdamW decoupled weight decay.</summary>
    public double WeightDecay { get; set; } = 0.05;

    /// <summary>Linear warm-up length in epochs, then cosine decay to zero.</summary>
    public double WarmupEpochs { get; set; } = 2;

    /// <summary>Gradient clipping by global norm.</summary>
    public double GradClip { get; set; } = 1.0;

    /// <summary>Training clips are cropped to this many seconds (the streaming window).</summary>
    public double CropSeconds { get; set; } = 3.0;

    /// <summary>Intra-op CPU threads (0 = libtorch's default).</summary>
    public int Threads { get; set; }

    /// <summary>
    /// Decay of an exponential moving average of the weights (<see cref="WeightAverage"/>), which validation scores and
    /// checkpoints keep; null (the default): no average, the optimiser's weights are scored and saved.
    /// </summary>
    public double? EmaDecay { get; set; }

    internal void Validate()
    {
        if (Epochs is < 1 or > 10_000) throw new ArgumentException("training.epochs must be 1..10000");
        if (BatchSize is < 1 or > 4096) throw new ArgumentException("training.batch_size must be 1..4096");
        // Negated comparisons, so that NaN fails them; IsFinite where there is no upper bound.
        if (!(LearningRate > 0 && LearningRate < 1)) throw new ArgumentException($"training.learning_rate must be in (0, 1), not {LearningRate}");
        if (!(double.IsFinite(WeightDecay) && WeightDecay >= 0)) throw new ArgumentException($"training.weight_decay must be a finite number >= 0, not {WeightDecay}");
        if (!(WarmupEpochs >= 0 && WarmupEpochs < Epochs)) throw new ArgumentException($"training.warmup_epochs must be in [0, epochs), not {WarmupEpochs}");
        if (!(double.IsFinite(GradClip) && GradClip > 0)) throw new ArgumentException($"training.grad_clip must be a finite number > 0, not {GradClip}");
        if (!(CropSeconds >= 0.5 && CropSeconds <= 30)) throw new ArgumentException($"training.crop_seconds must be 0.5..30, not {CropSeconds}");
        if (EmaDecay is double decay && !(decay > 0 && decay < 1)) throw new ArgumentException($"training.ema_decay must be in (0, 1) or absent, not {decay}");
    }
}

/// <summary>Loss weights: Total = CE + α LDist + β PDist (+ γ for the baselines).</summary>
public sealed class LossSection
{
    /// <summary>α, weight of LDist.</summary>
    public double Alpha { get; set; } = 1.0;

    /// <summary>β, weight of PDist.</summary>
    public double Beta { get; set; } = 1.0;

    /// <summary>γ, weight of the logit-KD or FitNets baseline term.</summary>
    public double Gamma { get; set; } = 1.0;

    /// <summary>Softmax temperature for LDist and logit KD.</summary>
    public double Temperature { get; set; } = 2.0;

    /// <summary>Weight of audio positions inside LDist.</summary>
    public double AudioWeight { get; set; } = 1.0;

    /// <summary>Weight of text positions inside LDist.</summary>
    public double TextWeight { get; set; } = 1.0;

    /// <summary>Label smoothing of the answer cross-entropy.</summary>
    public double LabelSmoothing { get; set; } = 0.1;

    /// <summary>Teacher attention that weights AwCKA.</summary>
    public AttentionSource Attention { get; set; } = new();

    /// <summary>Where the teacher's outputs come from: computed once on clean whole clips, or on each augmented batch.</summary>
    public TeacherOutputs TeacherOutputs { get; set; } = TeacherOutputs.Precomputed;

    internal void Validate()
    {
        // Negated comparisons, so that NaN fails them; IsFinite where there is no upper bound.
        RequireFiniteWeight(Alpha, "alpha");
        RequireFiniteWeight(Beta, "beta");
        RequireFiniteWeight(Gamma, "gamma");
        RequireFiniteWeight(AudioWeight, "audio_weight");
        RequireFiniteWeight(TextWeight, "text_weight");
        if (!(double.IsFinite(Temperature) && Temperature > 0))
            throw new ArgumentException($"loss.temperature must be a finite number > 0, not {Temperature}");
        if (!(LabelSmoothing >= 0 && LabelSmoothing < 1))
            throw new ArgumentException($"loss.label_smoothing must be in [0, 1), not {LabelSmoothing}");
    }

    private static void RequireFiniteWeight(double weight, string key)
    {
        if (!(double.IsFinite(weight) && weight >= 0))
            throw new ArgumentException($"loss.{key} must be a finite number >= 0, not {weight}");
    }
}

/// <summary>How a distillation run obtains the teacher's outputs.</summary>
public enum TeacherOutputs
{
    /// <summary>
    /// Once per training variant, on the clean whole clip; each window reads the steps it covers (<see cref="Data.PrecomputedTeacher"/>).
    /// A distillation epoch then costs what a plain one does.
    /// </summary>
    Precomputed,

    /// <summary>A teacher forward pass on every augmented training window, as the student sees it (about 2.4× the epoch time).</summary>
    Online,
}
