using System.Text.Json.Serialization;

namespace PLDistill.Distillation.Training;

/// <summary>One line of metrics.jsonl.</summary>
public sealed record EpochRecord
{
    [JsonPropertyName("epoch")] public int Epoch { get; init; }
    [JsonPropertyName("loss")] public double Loss { get; init; }
    [JsonPropertyName("loss_terms")] public required IReadOnlyDictionary<string, double> LossTerms { get; init; }
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; }
    [JsonPropertyName("wa")] public double Wa { get; init; }
    [JsonPropertyName("ua")] public double Ua { get; init; }
    [JsonPropertyName("macro_f1")] public double MacroF1 { get; init; }
    [JsonPropertyName("best_ua")] public double BestUa { get; init; }
    [JsonPropertyName("train_seconds")] public double TrainSeconds { get; init; }
    [JsonPropertyName("clips_per_second")] public double ClipsPerSecond { get; init; }
}
