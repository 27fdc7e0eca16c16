using PLDistill.Models.Runtime;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PLDistill.Models.Lalm;

/// <summary>
/// A learned bias per head and relative distance (query position − key position), shared by all encoder layers
/// (as in T5). Depends only on distances, so cached keys stay valid as a stream moves on.
/// </summary>
public sealed class RelativePositionBias : Module
{
    private readonly int maxPast, maxFuture;
    private readonly TorchSharp.Modules.Parameter table; // (H, maxFuture + 1 + maxPast)

    /// <summary>Distances beyond <paramref name="maxPast"/> / <paramref name="maxFuture"/> share the edge bias.</summary>
    public RelativePositionBias(int heads, int maxPast, int maxFuture) : base(nameof(RelativePositionBias))
    {
        this.maxPast = maxPast;
        this.maxFuture = maxFuture;
        table = new TorchSharp.Modules.Parameter(zeros(heads, maxFuture + 1 + maxPast));
        RegisterComponents();
    }

    /// <summary>Bias (H, Tq, Tk) for query positions (Tq) and key positions (Tk), both long tensors.</summary>
    public Tensor Compute(Tensor queryPositions, Tensor keyPositions)
    {
        using var scope = NewDisposeScope();
        var distance = queryPositions.unsqueeze(1) - keyPositions.unsqueeze(0);   // (Tq, Tk), > 0: key in the past
        var bucket = distance.ClampedTo(-maxFuture, maxPast).Plus(maxFuture);     // (Tq, Tk) in [0, buckets)
        var bias = table.index_select(1, bucket.flatten());                        // (H, Tq*Tk)
        return bias.view(table.size(0), distance.size(0), distance.size(1)).MoveToOuterDisposeScope();
    }

    /// <summary>Bias for a tensor of distances (…, Tq, Tk) (query − key positions): (…, H, Tq, Tk).</summary>
    public Tensor ForDistances(Tensor distance)
    {
        using var scope = NewDisposeScope();
        var bucket = distance.ClampedTo(-maxFuture, maxPast).Plus(maxFuture);
        long[] shape = [table.size(0), .. FinalizerFreeOperations.Shape(distance)];
        var bias = table.index_select(1, bucket.flatten()).view(shape);                                  // (H, …, Tq, Tk)
        return bias.movedim([0L], [distance.dim() - 2L]).MoveToOuterDisposeScope();
    }
}
