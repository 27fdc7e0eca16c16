namespace PLDistill.Distillation.Losses;

/// <summary>Which products <see cref="CenteredKernelAlignment"/> forms: D × D over features, or T × T over time steps.</summary>
internal enum CkaForm
{
    /// <summary>X̃ᵀX̃, X̃ᵀỸ, ỸᵀỸ: cheaper when steps outnumber features.</summary>
    Features,
    /// <summary>K = X̃X̃ᵀ, L = ỸỸᵀ: cheaper when features outnumber steps (a wide teacher over a short window).</summary>
    Steps,
}
