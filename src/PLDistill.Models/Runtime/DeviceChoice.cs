namespace PLDistill.Models.Runtime;

/// <summary>Which device the user asked for (<c>--device cpu|cuda|auto</c>).</summary>
public enum DeviceChoice
{
    /// <summary>CUDA when libtorch has it and a GPU is visible, else CPU.</summary>
    Auto,
    /// <summary>Always the CPU.</summary>
    Cpu,
    /// <summary>CUDA; an error if it is not available.</summary>
    Cuda,
}
