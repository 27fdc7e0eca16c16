using PLDistill.Models.Runtime;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PLDistill.Models.Lalm;

/// <summary>Dropout that costs nothing at inference and little on the CPU.</summary>
internal static class TrainingDropout
{
    /// <summary>
    /// Dropout with probability <paramref name="p"/> while <paramref name="training"/>; otherwise <paramref name="x"/>
    /// itself, without the libtorch call and tensor that <c>functional.dropout(x, p, false)</c> still costs.
    /// A float32 CPU tensor is multiplied by a <see cref="CpuDropoutMask"/>; anything else takes libtorch's dropout.
    /// </summary>
    public static Tensor Apply(Tensor x, double p, bool training)
    {
        if (!training || p <= 0)
            return x;
        if (x.device_type != TorchSharp.DeviceType.CPU || x.dtype != ScalarType.Float32 || p >= 1 || x.numel() > CpuDropoutMask.MaxElements)
            return functional.dropout(x, p, training: true);
        using var mask = CpuDropoutMask.Draw(FinalizerFreeOperations.Shape(x), p);
        return x.mul(mask);
    }
}
