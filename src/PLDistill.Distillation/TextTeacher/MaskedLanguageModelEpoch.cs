namespace PLDistill.Distillation.TextTeacher;

/// <summary>One epoch of masked-language-model training, measured on the held-out sentences afterwards.</summary>
/// <param name="Epoch">1-based.</param>
/// <param name="TrainingLoss">Mean cross-entropy (nats) over the epoch's training targets, with dropout on.</param>
/// <param name="HeldOutLoss">Mean cross-entropy (nats) over the held-out masked words.</param>
/// <param name="HeldOutAccuracy">Fraction of held-out masked words predicted exactly (top 1).</param>
/// <param name="Seconds">Wall time of the epoch and its evaluation.</param>
public sealed record MaskedLanguageModelEpoch(int Epoch, double TrainingLoss, double HeldOutLoss, double HeldOutAccuracy, double Seconds)
{
    /// <summary>exp(held-out loss): the model's perplexity on masked words.</summary>
    public double HeldOutPerplexity => Math.Exp(HeldOutLoss);
}
