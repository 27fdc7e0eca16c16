using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Data.Npy;

/// <summary>
/// Reads NumPy .npy files (format versions 1, 2 and 3) of little-endian float16, float32 or float64 in C order, as
/// float32: what <c>np.save</c> writes for such an array on any common machine.
/// </summary>
/// <remarks>
/// Layout: the magic <c>\x93NUMPY</c>, major and minor version bytes, the header length (uint16 in version 1, uint32 in 2
/// and 3, little-endian), the header (a Python dict literal, Latin-1 in versions 1 and 2, UTF-8 in 3), then the elements.
/// The file must hold exactly the bytes the header's shape needs, so a truncated file or a wrong shape is refused when the
/// header is read, before any data. Methods are stateless and safe to call from several threads.
/// </remarks>
public static class NpyReader
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int ChunkElements = 1 << 18;
    private const int MaxHeaderBytes = 1 << 20; // numpy writes well under 100; a larger claim is a damaged file, not an allocation to make

    /// <summary>The header of <paramref name="path"/>, checked against the file's length.</summary>
    /// <exception cref="NpyFormatException">Not a .npy file, an unsupported version, dtype or order, or the wrong data length.</exception>
    /// <exception cref="IOException">The file cannot be opened (<see cref="FileNotFoundException"/> when it does not exist).</exception>
    public static NpyHeader ReadHeader(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = File.OpenHandle(path);
        long length = RandomAccess.GetLength(file);
        Span<byte> prefix = stackalloc byte[12];
        int got = ReadFully(file, prefix, 0);
        if (got < Magic.Length || !prefix[..Magic.Length].SequenceEqual(Magic))
            throw new NpyFormatException(path, "not a .npy file (it does not start with \\x93NUMPY)");
        if (got < 10)
            throw new NpyFormatException(path, $"truncated header: the file is only {length} bytes");
        byte major = prefix[6], minor = prefix[7];
        if (major is < 1 or > 3)
            throw new NpyFormatException(path, $"unsupported .npy format version {major}.{minor}; this reader knows 1.0, 2.0 and 3.0");
        int lengthBytes = major == 1 ? 2 : 4;
        if (got < 8 + lengthBytes)
            throw new NpyFormatException(path, $"truncated header: the file is only {length} bytes");
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]);
        long dataOffset = 8 + lengthBytes + headerLength;
        if (headerLength > MaxHeaderBytes)
            throw new NpyFormatException(path, $"damaged header: it claims {headerLength} bytes");
        if (dataOffset > length)
            throw new NpyFormatException(path, $"truncated header: it claims {headerLength} bytes but the file is only {length} bytes");

        var headerBytes = new byte[headerLength];
        ReadFully(file, headerBytes, 8 + lengthBytes);
        string text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        var (descr, fortranOrder, shape) = NpyHeaderText.Parse(text, path);
        var type = ElementType(descr, path);
        if (fortranOrder)
            throw new NpyFormatException(path, "Fortran-order (column-major) data is not supported; save np.ascontiguousarray(a)");
        NpyHeader header;
        try
        {
            header = new NpyHeader(path, type, shape, dataOffset);
            CheckDataLength(header, length - dataOffset);
        }
        catch (OverflowException)
        {
            throw new NpyFormatException(path, $"shape ({string.Join(", ", shape)}) is too large");
        }
        return header;
    }

    /// <summary>The whole array of <paramref name="path"/> as float32.</summary>
    /// <exception cref="NpyFormatException">See <see cref="ReadHeader"/>; or the array has more elements than a .NET array holds.</exception>
    public static NpyArray Read(string path)
    {
        var header = ReadHeader(path);
        if (header.ElementCount > Array.MaxLength)
            throw new NpyFormatException(path, $"shape {header.ShapeText} has {header.ElementCount} elements, more than one array can hold");
        var values = new float[header.ElementCount];
        ReadRange(header, 0, values);
        return new NpyArray(values, header.Shape);
    }

    /// <summary>The whole array of <paramref name="path"/> as a new float32 CPU tensor; the caller disposes it.</summary>
    /// <exception cref="NpyFormatException">See <see cref="Read"/>.</exception>
    public static Tensor ReadTensor(string path) => Read(path).ToTensor();

    /// <summary>
    /// Elements <paramref name="first"/> … <paramref name="first"/> + length − 1 (C order) of the array described by
    /// <paramref name="header"/>, as float32 into <paramref name="destination"/>. Reads only those bytes, in bounded chunks.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside the array.</exception>
    /// <exception cref="NpyFormatException">The file has become shorter than its header says.</exception>
    public static void ReadRange(NpyHeader header, long first, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (first < 0 || first + destination.Length > header.ElementCount)
            throw new ArgumentOutOfRangeException(nameof(first),
                $"elements {first} to {first + destination.Length} are outside {header.Path}'s {header.ElementCount}");
        using var file = File.OpenHandle(header.Path);
        int size = header.ElementSize;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(destination.Length, ChunkElements) * size);
        try
        {
            for (int done = 0; done < destination.Length;)
            {
                int count = Math.Min(destination.Length - done, ChunkElements);
                var raw = buffer.AsSpan(0, count * size);
                if (ReadFully(file, raw, header.DataOffset + (first + done) * size) < raw.Length)
                    throw new NpyFormatException(header.Path, "truncated data: the file ended before the elements its header promises");
                Decode(raw, header.ElementType, destination.Slice(done, count));
                done += count;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static NpyElementType ElementType(string descr, string path) => descr switch
    {
        "<f2" => NpyElementType.Float16,
        "<f4" => NpyElementType.Float32,
        "<f8" => NpyElementType.Float64,
        ">f2" or ">f4" or ">f8" => throw new NpyFormatException(path,
            $"big-endian data ('{descr}') is not supported; save a.astype('<{descr[1..]}')"),
        _ => throw new NpyFormatException(path,
            $"unsupported dtype '{descr}'; expected '<f4', '<f2' or '<f8' (little-endian float32, float16 or float64)"),
    };

    private static void CheckDataLength(NpyHeader header, long available)
    {
        long needed = checked(header.ElementCount * header.ElementSize);
        if (available < needed)
            throw new NpyFormatException(header.Path,
                $"truncated data: shape {header.ShapeText} of {header.ElementType} needs {needed} bytes, the file has {available}");
        if (available > needed)
            throw new NpyFormatException(header.Path,
                $"{available - needed} bytes after the data: shape {header.ShapeText} of {header.ElementType} needs {needed} bytes, the file has {available}");
    }

    private static void Decode(ReadOnlySpan<byte> raw, NpyElementType type, Span<float> destination)
    {
        switch (type)
        {
            case NpyElementType.Float32 when BitConverter.IsLittleEndian:
                MemoryMarshal.Cast<byte, float>(raw).CopyTo(destination);
                break;
            case NpyElementType.Float32:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]);
                break;
            case NpyElementType.Float16:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(raw[(2 * i)..]);
                break;
            default:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw[(8 * i)..]);
                break;
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the file ends; returns the bytes read.</summary>
    private static int ReadFully(SafeFileHandle file, Span<byte> buffer, long offset)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = RandomAccess.Read(file, buffer[total..], offset + total);
            if (read == 0)
                break;
            total += read;
        }
        return total;
    }
}
