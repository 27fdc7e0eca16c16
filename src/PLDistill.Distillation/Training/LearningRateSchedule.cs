namespace PLDistill.Distillation.Training;

/// <summary>Linear warm-up to the peak, then cosine decay to zero, by optimiser step.</summary>
public sealed record LearningRateSchedule(double Peak, long WarmupSteps, long TotalSteps)
{
    /// <summary>The learning rate at <paramref name="step"/> (0-based).</summary>
    public double At(long step)
    {
        if (step < WarmupSteps)
            return Peak * (step + 1) / WarmupSteps;
        double progress = TotalSteps <= WarmupSteps ? 1 : (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps);
        return Peak * 0.5 * (1 + Math.Cos(Math.PI * Math.Clamp(progress, 0, 1)));
    }
}
