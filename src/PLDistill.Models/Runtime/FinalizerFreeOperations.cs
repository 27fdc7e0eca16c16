using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace PLDistill.Models.Runtime;

/// <summary>
/// Concatenating, stacking and reading tensors back without leaving work for the finalizer thread.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's <c>cat</c>, <c>stack</c>, <c>Tensor.shape</c>, <c>data&lt;T&gt;()</c> and <c>item&lt;T&gt;()</c> each
/// pass an array through an internal <c>PinnedArray</c> whose <c>Dispose</c> does not take it off the finalization
/// queue, so every call leaves one object that the next collection must keep alive, promote and hand to the finalizer.
/// A 3 s student clip made 39 of them, and its gen0 collections paused 2.3–3.1 ms against 0.1 ms for the same bytes of
/// plain objects (see the README, "Where the p99 comes from"). The inference path therefore reads one dimension with
/// <c>size(d)</c> and uses these four for the rest; each leaves nothing for the finalizer (a test counts).
/// </remarks>
public static class FinalizerFreeOperations
{
    /// <summary>
    /// What <c>torch.cat(parts, dim)</c> gives (values and gradients): one new tensor, each part copied into its slice.
    /// </summary>
    /// <exception cref="ArgumentException">No parts, or parts that differ in rank, element type, device or any size but
    /// <paramref name="dim"/>'s (torch.cat would refuse them too, or silently promote the type).</exception>
    public static Tensor Concatenate(IReadOnlyList<Tensor> parts, long dim)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
            throw new ArgumentException("nothing to concatenate", nameof(parts));
        var first = parts[0];
        int rank = (int)first.dim();
        int axis = (int)(dim < 0 ? dim + rank : dim);
        if (axis < 0 || axis >= rank)
            throw new ArgumentOutOfRangeException(nameof(dim), $"dimension {dim} of a rank-{rank} tensor");

        long[] sizes = Shape(first);
        long joinedLength = 0;
        for (int i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            if (part.dim() != rank || part.dtype != first.dtype || part.device_type != first.device_type || part.device_index != first.device_index)
                throw new ArgumentException($"part {i} is a rank-{part.dim()} {part.dtype} tensor on {part.device}; part 0 is a rank-{rank} {first.dtype} tensor on {first.device}", nameof(parts));
            for (int d = 0; d < rank; d++)
                if (d != axis && part.size(d) != sizes[d])
                    throw new ArgumentException($"part {i} has size {part.size(d)} in dimension {d}, part 0 has {sizes[d]}", nameof(parts));
            joinedLength += part.size(axis);
        }
        sizes[axis] = joinedLength;

        var joined = empty(sizes, dtype: first.dtype, device: first.device);
        long offset = 0;
        foreach (var part in parts)
        {
            long length = part.size(axis);
            using var slot = joined.narrow(axis, offset, length);
            slot.copy_(part);   // under autograd a copy into a slice passes the slice's gradient back to the part
            offset += length;
        }
        return joined;
    }

    /// <summary>What <c>Tensor.shape</c> gives, one <c>size(d)</c> at a time.</summary>
    public static long[] Shape(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var sizes = new long[tensor.dim()];
        for (int d = 0; d < sizes.Length; d++)
            sizes[d] = tensor.size(d);
        return sizes;
    }

    /// <summary>What <c>torch.stack(parts, dim)</c> gives: the parts, each given a new dimension <paramref name="dim"/> of size 1, concatenated along it.</summary>
    /// <exception cref="ArgumentException">No parts, or parts of different shapes, element types or devices.</exception>
    public static Tensor Stack(IReadOnlyList<Tensor> parts, long dim = 0)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
            throw new ArgumentException("nothing to stack", nameof(parts));
        var unsqueezed = new Tensor[parts.Count];
        try
        {
            for (int i = 0; i < parts.Count; i++)
                unsqueezed[i] = parts[i].unsqueeze(dim);
            return Concatenate(unsqueezed, dim);
        }
        finally
        {
            foreach (var view in unsqueezed)
                view?.Dispose();
        }
    }

    /// <summary>The values of an int64 tensor of any shape and device, row-major, in a new array.</summary>
    /// <exception cref="ArgumentException">The tensor is not int64.</exception>
    public static long[] ToLongArray(Tensor values) => ToArray<long>(values, ScalarType.Int64, "int64");

    /// <summary>The values of a float32 tensor of any shape and device, row-major, in a new array.</summary>
    /// <exception cref="ArgumentException">The tensor is not float32.</exception>
    public static float[] ToFloatArray(Tensor values) => ToArray<float>(values, ScalarType.Float32, "float32");

    private static T[] ToArray<T>(Tensor values, ScalarType type, string typeName) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.dtype != type)
            throw new ArgumentException($"expected a {typeName} tensor, got {values.dtype}", nameof(values));
        using var host = values.cpu();
        using var dense = host.contiguous();
        return MemoryMarshal.Cast<byte, T>(dense.bytes).ToArray();
    }
}
