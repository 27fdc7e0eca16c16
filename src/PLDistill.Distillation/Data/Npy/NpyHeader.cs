namespace PLDistill.Distillation.Data.Npy;

/// <summary>What a .npy file holds, from its header: element type, C-order shape, and where the data starts.</summary>
/// <param name="Path">The file.</param>
/// <param name="ElementType">The stored element type.</param>
/// <param name="Shape">The array's shape, outermost axis first; empty for a 0-d array.</param>
/// <param name="DataOffset">Bytes before the first element (magic, version, header length and header).</param>
public sealed record NpyHeader(string Path, NpyElementType ElementType, IReadOnlyList<long> Shape, long DataOffset)
{
    /// <summary>Elements in the array: the product of <see cref="Shape"/> (1 for a 0-d array).</summary>
    public long ElementCount { get; } = Count(Shape);

    /// <summary>Bytes per stored element.</summary>
    public int ElementSize => ElementType switch
    {
        NpyElementType.Float16 => 2,
        NpyElementType.Float32 => 4,
        _ => 8,
    };

    /// <summary>Bytes of data after the header.</summary>
    public long DataBytes => ElementCount * ElementSize;

    /// <summary>The shape as numpy prints it, e.g. "(3, 4)" or "(5,)".</summary>
    public string ShapeText => Shape.Count == 1 ? $"({Shape[0]},)" : $"({string.Join(", ", Shape)})";

    private static long Count(IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (long size in shape)
            count = checked(count * size);
        return count;
    }
}
