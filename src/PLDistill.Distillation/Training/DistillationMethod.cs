namespace PLDistill.Distillation.Training;

/// <summary>What the student learns from, beyond cross-entropy on the answer. Rows of the results table.</summary>
public enum DistillationMethod
{
    /// <summary>Cross-entropy only (teachers, and the student without KD).</summary>
    None,
    /// <summary>CE + logits-only KD: forward KL on the answer position.</summary>
    LogitKd,
    /// <summary>CE + FitNets: MSE of projector outputs through a learned projection.</summary>
    FitNets,
    /// <summary>CE + α LDist (audio and text positions).</summary>
    LDist,
    /// <summary>CE + β PDist with plain CKA.</summary>
    PDistCka,
    /// <summary>CE + β PDist with attention-weighted CKA.</summary>
    PDistAwCka,
    /// <summary>PL-Distill: CE + α LDist + β PDist(AwCKA).</summary>
    PlDistill,
}
