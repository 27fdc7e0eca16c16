using System.Text.Json;
using PLDistill.Distillation.Evaluation;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Lalm;

namespace PLDistill.Distillation.Training;

/// <summary>What a run folder must remember to resume: the last finished epoch, the best so far, the optimiser state.</summary>
internal sealed class RunState
{
    private const string StateFile = "trainer-state.json";
    private const string OptimizerFile = "optimizer.state";
    private const string AverageFile = "weight-average.state";
    private const string HintFile = "fitnets-hint.state";
    private const string MetricsFile = "metrics.jsonl";

    /// <summary>The best epoch's scores, beside its checkpoint.</summary>
    public const string BestMetricsFile = "best-metrics.json";

    public int Epoch { get; set; }
    public int BestEpoch { get; set; }
    public double BestUa { get; set; }
    public double? LastUa { get; set; }

    /// <summary>
    /// Saves what resuming needs after an epoch whose weights are already in last.pldckpt. Each file is written under a
    /// temporary name and renamed into place, and trainer-state.json goes last: it is the record that the epoch is saved.
    /// </summary>
    public void Save(string folder, AdamW optimizer, WeightAverage? average, TorchSharp.torch.nn.Module? hint)
    {
        AtomicFile.Write(Path.Combine(folder, OptimizerFile), optimizer.Save);
        if (average is not null)
            AtomicFile.Write(Path.Combine(folder, AverageFile), average.Save);
        if (hint is not null)
            AtomicFile.Write(Path.Combine(folder, HintFile), path => hint.save(path));
        AtomicFile.Write(Path.Combine(folder, StateFile), path => File.WriteAllText(path, JsonSerializer.Serialize(this)));
    }

    /// <summary>True when <paramref name="folder"/> holds a run that saved at least one epoch.</summary>
    public static bool Exists(string folder) => File.Exists(Path.Combine(folder, StateFile));

    /// <summary>How far the run in <paramref name="folder"/> got, for messages.</summary>
    public static string Describe(string folder)
    {
        try
        {
            var state = JsonSerializer.Deserialize<RunState>(File.ReadAllText(Path.Combine(folder, StateFile)));
            return state is null ? "no saved state" : $"trained to epoch {state.Epoch}, best UA {state.BestUa:P1} at epoch {state.BestEpoch}";
        }
        catch (Exception unreadable) when (unreadable is IOException or JsonException)
        {
            return "an unreadable trainer-state.json";
        }
    }

    /// <summary>
    /// Restores the last epoch's weights, optimiser state, weight average and FitNets hint layer (where the run keeps
    /// them); a folder with nothing to resume starts fresh. Epoch lines in metrics.jsonl past the saved epoch (an epoch
    /// interrupted while it was being saved) are dropped, since that epoch is trained again.
    /// </summary>
    /// <exception cref="InvalidDataException">The run keeps a weight average but the folder has none (it was made without
    /// one), or its files are of different epochs (the run was interrupted mid-save and cannot continue exactly).</exception>
    public static RunState Load(string folder, AudioLanguageModel model, AdamW optimizer, WeightAverage? average, TorchSharp.torch.nn.Module? hint)
    {
        string statePath = Path.Combine(folder, StateFile), last = Path.Combine(folder, "last.pldckpt");
        if (!File.Exists(statePath))
            return new RunState();
        if (!File.Exists(last))
            throw new InvalidDataException($"{folder}: {StateFile} records saved epochs ({Describe(folder)}) but last.pldckpt, " +
                                           "the weights to continue from, is missing; restore it, or start a new run with another --output or --seed");
        RunState? state;
        try
        {
            state = JsonSerializer.Deserialize<RunState>(File.ReadAllText(statePath));
        }
        catch (JsonException bad)
        {
            throw new InvalidDataException($"{statePath} is not a trainer state: {bad.Message}", bad);
        }
        if (state is null)
            throw new InvalidDataException($"{statePath} is empty");
        var metadata = CheckpointFile.LoadInto(last, model);
        if (metadata.Training.GetValueOrDefault("epoch") != state.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture))
            throw new InvalidDataException($"{folder}: last.pldckpt holds epoch {metadata.Training.GetValueOrDefault("epoch", "?")} but {StateFile} says " +
                                           $"epoch {state.Epoch} (the run was interrupted while saving an epoch); it cannot continue exactly: start it again");
        LoadState(Path.Combine(folder, OptimizerFile), optimizer.Load);
        if (average is not null)
        {
            string averagePath = Path.Combine(folder, AverageFile);
            if (!File.Exists(averagePath))
                throw new InvalidDataException($"{folder}: training.ema_decay is set but the run was made without a weight average ({AverageFile} is missing); resume it without ema_decay or start a new run");
            LoadState(averagePath, average.Load);
        }
        if (hint is not null)
        {
            string hintPath = Path.Combine(folder, HintFile);
            if (!File.Exists(hintPath))
                throw new InvalidDataException($"{folder}: a FitNets run keeps its hint layer in {HintFile}, which is missing (the run was made by an older build); start it again");
            LoadState(hintPath, path => hint.load(path));
        }
        DropEpochsAfter(Path.Combine(folder, MetricsFile), state.Epoch);
        return state;
    }

    // Reads one of the run's state files, naming it if it was cut short or damaged (the trainer writes each atomically,
    // so that is not an interruption's doing).
    private static void LoadState(string path, Action<string> load)
    {
        try
        {
            load(path);
        }
        catch (Exception damaged) when (damaged is EndOfStreamException or FormatException or OverflowException)
        {
            throw new InvalidDataException($"{path} is truncated or damaged ({damaged.Message}); the run cannot continue exactly: start it again", damaged);
        }
    }

    // Keeps the lines of epochs up to the saved one. A last line cut short is an append the interruption tore: it goes
    // too (its epoch is trained again); a damaged line before it is not the trainer's doing and is refused.
    private static void DropEpochsAfter(string metricsPath, int epoch)
    {
        if (!File.Exists(metricsPath))
            return;
        string[] lines = File.ReadAllLines(metricsPath).Where(line => !string.IsNullOrWhiteSpace(line)).ToArray();
        var kept = new List<string>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            EpochRecord? record;
            try
            {
                record = JsonSerializer.Deserialize<EpochRecord>(lines[i]);
            }
            catch (JsonException) when (i == lines.Length - 1)
            {
                continue;
            }
            catch (JsonException bad)
            {
                throw new InvalidDataException($"{metricsPath}, line {i + 1}: not an epoch record ({bad.Message}); mend or remove the line to resume", bad);
            }
            if (record is not null && record.Epoch <= epoch)
                kept.Add(lines[i]);
        }
        if (kept.Count != lines.Length)
            AtomicFile.Write(metricsPath, path => File.WriteAllLines(path, kept));
    }


    /// <summary>The best epoch's scores as written when it was saved; null where the folder has none.</summary>
    public static EmotionMetrics? BestMetrics(string folder)
    {
        string path = Path.Combine(folder, BestMetricsFile);
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize<EmotionMetrics>(File.ReadAllText(path))
                   ?? throw new InvalidDataException($"{path} is empty; it holds the best epoch's scores (see best.pldckpt)");
        }
        catch (JsonException bad)
        {
            throw new InvalidDataException($"{path} is damaged ({bad.Message}); it holds the best epoch's scores: pld eval --checkpoint " +
                                           $"{Path.Combine(folder, "best.pldckpt")} scores them again", bad);
        }
    }
}
