using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace PLDistill.Distillation.Data.Npy;

/// <summary>
/// Writes float32 arrays as NumPy .npy files, format version 1.0, exactly as <c>np.save</c> lays them out: the magic
/// <c>\x93NUMPY</c>, bytes 1 and 0, the header length (uint16, little-endian), the header
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (…), }</c> padded with spaces and a newline so the data starts at
/// a multiple of 64 bytes, then the elements little-endian in C order.
/// </summary>
public static class NpyWriter
{
    private const int Alignment = 64;

    /// <summary>Writes <paramref name="values"/> (C order, last axis fastest) of <paramref name="shape"/> to <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">The shape's element count is not the number of values, or a size is negative.</exception>
    public static void WriteFloat32(string path, ReadOnlySpan<float> values, IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (long size in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(size, nameof(shape));
            count = checked(count * size);
        }
        if (count != values.Length)
            throw new ArgumentException($"shape ({string.Join(", ", shape)}) holds {count} elements, not {values.Length}", nameof(shape));

        string dims = shape.Count == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape.Select(s => s.ToString(CultureInfo.InvariantCulture)))})";
        string dictionary = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {dims}, }}";
        const int prefix = 10;                                               // magic, version, uint16 length
        int padded = (prefix + dictionary.Length + 1 + Alignment - 1) / Alignment * Alignment;
        string header = dictionary.PadRight(padded - prefix - 1) + "\n";

        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Span<byte> start = stackalloc byte[prefix];
        ReadOnlySpan<byte> magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
        magic.CopyTo(start);
        start[6] = 1;
        start[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(start[8..], checked((ushort)header.Length));
        file.Write(start);
        file.Write(Encoding.Latin1.GetBytes(header));
        if (BitConverter.IsLittleEndian)
        {
            file.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        Span<byte> element = stackalloc byte[4];
        foreach (float value in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(element, value);
            file.Write(element);
        }
    }
}
