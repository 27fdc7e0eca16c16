namespace PLDistill.Distillation.Training;

/// <summary>A progress report: where training is, its running loss, the last and best validation UA, and the ETA.</summary>
public sealed record TrainingProgress(
    int Epoch, int Epochs, int Batch, int Batches, double Loss, double? LastUa, double? BestUa, TimeSpan Elapsed, TimeSpan? Remaining);
