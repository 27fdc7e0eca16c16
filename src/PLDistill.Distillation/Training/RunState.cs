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

    /// <summary>The best epoch's scores, beside its checkpoint.</summary>
    public const string BestMetricsFile = "best-metrics.json";

    public int Epoch { get; set; }
    public int BestEpoch { get; set; }
    public double BestUa { get; set; }
    public double? LastUa { get; set; }

    public void Save(string folder, AdamW optimizer, WeightAverage? average)
    {
        optimizer.Save(Path.Combine(folder, OptimizerFile));
        average?.Save(Path.Combine(folder, AverageFile));
        File.WriteAllText(Path.Combine(folder, StateFile), JsonSerializer.Serialize(this));
    }

    /// <summary>
    /// Restores the last epoch's weights, optimiser state and weight average (if the run keeps one); a folder with
    /// nothing to resume starts fresh.
    /// </summary>
    /// <exception cref="InvalidDataException">The run keeps a weight average but the folder has none (it was made without one).</exception>
    public static RunState Load(string folder, AudioLanguageModel model, AdamW optimizer, WeightAverage? average)
    {
        string statePath = Path.Combine(folder, StateFile), last = Path.Combine(folder, "last.pldckpt");
        if (!File.Exists(statePath) || !File.Exists(last))
            return new RunState();
        var state = JsonSerializer.Deserialize<RunState>(File.ReadAllText(statePath))
                    ?? throw new InvalidDataException($"{statePath} is empty");
        CheckpointFile.LoadInto(last, model);
        optimizer.Load(Path.Combine(folder, OptimizerFile));
        if (average is not null)
        {
            string averagePath = Path.Combine(folder, AverageFile);
            if (!File.Exists(averagePath))
                throw new InvalidDataException($"{folder}: training.ema_decay is set but the run was made without a weight average ({AverageFile} is missing); resume it without ema_decay or start a new run");
            average.Load(averagePath);
        }
        return state;
    }

    /// <summary>The best epoch's scores as written when it was saved; null where the folder has none.</summary>
    public static EmotionMetrics? BestMetrics(string folder)
    {
        string path = Path.Combine(folder, BestMetricsFile);
        return File.Exists(path) ? JsonSerializer.Deserialize<EmotionMetrics>(File.ReadAllText(path)) : null;
    }
}
