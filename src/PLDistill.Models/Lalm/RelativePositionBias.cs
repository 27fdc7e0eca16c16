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

    /// <summary>
    /// Bias (H, Tq, Tk) for <paramref name="queries"/> queries at positions <paramref name="queryFrom"/>, … and
    /// <paramref name="keys"/> keys at positions 0, 1, …: each pair's bias by its distance (query − key position), from bucket
    /// indices built on the host once per set of sizes (one lookup a pass instead of six libtorch calls).
    /// </summary>
    public Tensor ForPositions(long queryFrom, long queries, long keys)
    {
        var device = table.device;
        var buckets = Buckets.GetOrAdd([(long)device.type, device.index, maxPast, maxFuture, queryFrom, queries, keys], () =>
        {
            var index = new long[queries * keys];
            for (long i = 0; i < queries; i++)
                for (long j = 0; j < keys; j++)
                    index[i * keys + j] = Math.Clamp(queryFrom + i - j, -maxFuture, maxPast) + maxFuture;
            return tensor(index, device: device);
        });
        using var scope = NewDisposeScope();
        return table.index_select(1, buckets).view(table.size(0), queries, keys).MoveToOuterDisposeScope();
    }

    // Shared by every bias of the same reach: bucket indices depend only on the sizes. Read, never disposed here (the
    // memo's, or the caller's scope's when the memo is full).
    private static readonly LayoutMemo<Tensor> Buckets = new(sizeOf: index => index.numel() * sizeof(long), adopt: index => index.DetachFromDisposeScope());

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
