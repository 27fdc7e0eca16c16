namespace PLDistill.Distillation.Pad;

/// <summary>One epoch of PAD training: mean training loss over its steps, mean loss on the valid split after it, and its duration.</summary>
public sealed record PadEpoch(int Epoch, double TrainLoss, double ValidLoss, TimeSpan Elapsed);
