using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace PLDistill.Distillation.Tests.Data;

/// <summary>Writes .npy files byte by byte as numpy's <c>np.save</c> does, and lets tests damage them.</summary>
internal static class NpyWriter
{
    /// <summary>Writes <paramref name="values"/> (C order) of <paramref name="shape"/> as <paramref name="descr"/>.</summary>
    public static void Write(string path, double[] values, long[] shape, string descr = "<f4", int version = 1, bool fortranOrder = false) =>
        File.WriteAllBytes(path, Bytes(values, shape, descr, version, fortranOrder));

    /// <summary>The bytes of a .npy file.</summary>
    public static byte[] Bytes(double[] values, long[] shape, string descr = "<f4", int version = 1, bool fortranOrder = false) =>
        WithHeader(Dictionary(descr, fortranOrder, shape), Data(values, descr), version);

    /// <summary>The header dictionary exactly as numpy writes it.</summary>
    public static string Dictionary(string descr, bool fortranOrder, long[] shape)
    {
        string dims = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        return $"{{'descr': '{descr}', 'fortran_order': {(fortranOrder ? "True" : "False")}, 'shape': {dims}, }}";
    }

    /// <summary>Magic, version, header length, <paramref name="dictionary"/> padded with spaces to a multiple of 64 and a newline, then <paramref name="data"/>.</summary>
    public static byte[] WithHeader(string dictionary, byte[] data, int version = 1)
    {
        int lengthBytes = version == 1 ? 2 : 4;
        int prefix = 8 + lengthBytes;
        int padded = (prefix + dictionary.Length + 1 + 63) / 64 * 64;
        byte[] header = (version == 3 ? Encoding.UTF8 : Encoding.Latin1).GetBytes(dictionary.PadRight(padded - prefix - 1) + "\n");
        var bytes = new byte[prefix + header.Length + data.Length];
        bytes[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY").CopyTo(bytes, 1);
        bytes[6] = (byte)version;
        bytes[7] = 0;
        if (version == 1)
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        else
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)header.Length);
        header.CopyTo(bytes, prefix);
        data.CopyTo(bytes, prefix + header.Length);
        return bytes;
    }

    /// <summary>The elements encoded as <paramref name="descr"/>: byte order '&lt;' or '&gt;', kind 'f' or 'i', size in bytes.</summary>
    public static byte[] Data(double[] values, string descr)
    {
        bool little = descr[0] != '>';
        char kind = descr[1];
        int size = int.Parse(descr.AsSpan(2), CultureInfo.InvariantCulture);
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            var slot = bytes.AsSpan(i * size, size);
            switch (kind, size)
            {
                case ('f', 2): BinaryPrimitives.WriteHalfLittleEndian(slot, (Half)values[i]); break;
                case ('f', 4): BinaryPrimitives.WriteSingleLittleEndian(slot, (float)values[i]); break;
                case ('f', 8): BinaryPrimitives.WriteDoubleLittleEndian(slot, values[i]); break;
                case ('i', 4): BinaryPrimitives.WriteInt32LittleEndian(slot, (int)values[i]); break;
                default: throw new ArgumentException($"the test writer has no {descr}", nameof(descr));
            }
            if (!little)
                slot.Reverse();
        }
        return bytes;
    }
}
