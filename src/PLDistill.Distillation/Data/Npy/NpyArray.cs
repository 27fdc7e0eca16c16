using static TorchSharp.torch;

namespace PLDistill.Distillation.Data.Npy;

/// <summary>A whole .npy array as float32 values in C order, with its shape.</summary>
/// <param name="Values">The elements, last axis fastest.</param>
/// <param name="Shape">The shape, outermost axis first; empty for a 0-d array.</param>
public sealed record NpyArray(float[] Values, IReadOnlyList<long> Shape)
{
    /// <summary>A new float32 CPU tensor of <see cref="Shape"/> holding a copy of <see cref="Values"/>; the caller disposes it.</summary>
    public Tensor ToTensor() => tensor(Values, [.. Shape]);
}
