using System.Text.Json;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Lalm;

namespace PLDistill.Distillation.Training;

/// <summary>What a run folder must remember to resume: the last finished epoch, the best so far, the optimiser state.</summary>
internal sealed class RunState
{
    private const string StateFile = "trainer-state.json";
    private const string OptimizerFile = "optimizer.state";

    public int Epoch { get; set; }
    public int BestEpoch { get; set; }
    public double BestUa { get; set; }
    public double? LastUa { get; set; }

    public void Save(string folder, AdamW optimizer)
    {
        optimizer.Save(Path.Combine(folder, OptimizerFile));
        File.WriteAllText(Path.Combine(folder, StateFile), JsonSerializer.Serialize(this));
    }

    /// <summary>Restores the last epoch's weights and optimiser state; a folder with nothing to resume starts fresh.</summary>
    public static RunState Load(string folder, AudioLanguageModel model, AdamW optimizer)
    {
        string statePath = Path.Combine(folder, StateFile), last = Path.Combine(folder, "last.pldckpt");
        if (!File.Exists(statePath) || !File.Exists(last))
            return new RunState();
        var state = JsonSerializer.Deserialize<RunState>(File.ReadAllText(statePath))
                    ?? throw new InvalidDataException($"{statePath} is empty");
        CheckpointFile.LoadInto(last, model);
        optimizer.Load(Path.Combine(folder, OptimizerFile));
        return state;
    }
}
