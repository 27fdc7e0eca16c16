namespace PLDistill.Distillation.Pad;

/// <summary>What a PAD run measured: the valid loss before training, each epoch, and test-split retrieval before and after.</summary>
public sealed record PadTrainingResult(double InitialValidLoss, IReadOnlyList<PadEpoch> Epochs, RetrievalMetrics Before, RetrievalMetrics After,
                                       TimeSpan Elapsed);
