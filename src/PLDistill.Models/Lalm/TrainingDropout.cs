using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PLDistill.Models.Lalm;

/// <summary>Dropout that costs nothing at inference.</summary>
internal static class TrainingDropout
{
    /// <summary>
    /// Dropout with probability <paramref name="p"/> while <paramref name="training"/>; otherwise <paramref name="x"/>
    /// itself, without the libtorch call and tensor that <c>functional.dropout(x, p, false)</c> still costs.
    /// </summary>
    public static Tensor Apply(Tensor x, double p, bool training) => training && p > 0 ? functional.dropout(x, p, training: true) : x;
}
