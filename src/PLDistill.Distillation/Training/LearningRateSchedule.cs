namespace PLDistill.Distillation.Training;

/// <summary>
/// Linear warm-up to the peak, then cosine decay to <paramref name="FinalFraction"/> of it (zero by default), by optimiser step.
/// </summary>
public sealed record LearningRateSchedule(double Peak, long WarmupSteps, long TotalSteps, double FinalFraction = 0)
{
    /// <summary>The learning rate at <paramref name="step"/> (0-based).</summary>
    public double At(long step)
    {
        if (step < WarmupSteps)
            return Peak * (step + 1) / WarmupSteps;
        double progress = TotalSteps <= WarmupSteps ? 1 : (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps);
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * Math.Clamp(progress, 0, 1)));
        return Peak * (FinalFraction + (1 - FinalFraction) * cosine);
    }
}
