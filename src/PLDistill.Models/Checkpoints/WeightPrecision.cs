namespace PLDistill.Models.Checkpoints;

/// <summary>How weights are stored on disk; models always compute in float32.</summary>
public enum WeightPrecision
{
    /// <summary>4 bytes per weight, exact.</summary>
    Float32 = 1,
    /// <summary>2 bytes per weight (IEEE half), for shipping large teachers.</summary>
    Float16 = 2,
}
