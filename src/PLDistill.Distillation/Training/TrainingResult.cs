using PLDistill.Distillation.Evaluation;

namespace PLDistill.Distillation.Training;

/// <summary>What a finished run produced.</summary>
public sealed record TrainingResult(string RunFolder, string BestCheckpoint, int BestEpoch, EmotionMetrics BestMetrics,
                                    long Parameters, double ClipsPerSecond, TimeSpan Elapsed);
