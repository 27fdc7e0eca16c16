using System.Buffers.Binary;

namespace PLDistill.Audio.Formats;

/// <summary>
/// Writes interleaved float audio as a RIFF/WAVE file: PCM 8 (unsigned), 16, 24 or 32 bit, or IEEE float 32 or 64 bit,
/// 1 to 8 channels, optionally with a WAVE_FORMAT_EXTENSIBLE header. Meant for tests and tools that make audio.
/// </summary>
/// <remarks>
/// The header is written first with the streaming placeholder 0xFFFFFFFF in both size fields, so output to a pipe
/// reads back as "length unknown". On a seekable stream <see cref="Dispose"/> patches in the real sizes.
/// Samples are clamped to [-1, 1] and rounded to the nearest integer step; +1.0 becomes the largest positive integer.
/// </remarks>
public sealed class WavWriter : IDisposable
{
    private const uint UnknownSize = 0xFFFF_FFFF;
    private const int BufferBytes = 16 * 1024;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly long _start;        // stream position of "RIFF", for patching sizes
    private readonly int _headerBytes;
    private readonly byte[] _buffer;
    private long _dataBytes;
    private bool _disposed;

    /// <summary>Writes the header to <paramref name="stream"/> at its current position.</summary>
    /// <param name="stream">Any writable stream; sizes are patched on <see cref="Dispose"/> only if it is seekable.</param>
    /// <param name="format">What to write.</param>
    /// <param name="extensible">Write a 40-byte WAVE_FORMAT_EXTENSIBLE fmt chunk instead of the classic one.</param>
    /// <param name="leaveOpen">When true, <see cref="Dispose"/> leaves <paramref name="stream"/> open.</param>
    public WavWriter(Stream stream, PcmFormat format, bool extensible = false, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(format);
        if (!stream.CanWrite)
            throw new ArgumentException("the stream is not writable", nameof(stream));

        _stream = stream;
        _leaveOpen = leaveOpen;
        Format = format;
        IsExtensible = extensible;
        _start = stream.CanSeek ? stream.Position : 0;
        _buffer = new byte[BufferBytes - BufferBytes % format.BlockAlign];

        Span<byte> header = stackalloc byte[68];
        _headerBytes = BuildHeader(header);
        stream.Write(header[.._headerBytes]);
    }

    /// <summary>Creates (or overwrites) the file at <paramref name="path"/> and writes the header.</summary>
    public static WavWriter Create(string path, PcmFormat format, bool extensible = false) =>
        new(new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read), format, extensible);

    /// <summary>The format being written.</summary>
    public PcmFormat Format { get; }

    /// <summary>True when the header is WAVE_FORMAT_EXTENSIBLE.</summary>
    public bool IsExtensible { get; }

    /// <summary>Frames written so far.</summary>
    public long FramesWritten => _dataBytes / Format.BlockAlign;

    /// <summary>Encodes and writes whole frames of interleaved samples.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of the channel count.</exception>
    /// <exception cref="InvalidOperationException">The data would pass the 4 GiB a WAV size field can describe.</exception>
    public void WriteFrames(ReadOnlySpan<float> interleaved)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (interleaved.Length % Format.Channels != 0)
            throw new ArgumentException(
                $"{interleaved.Length} samples is not a whole number of {Format.Channels}-channel frames", nameof(interleaved));
        int bytesPerSample = Format.Encoding.BytesPerSample();
        if (_dataBytes + (long)interleaved.Length * bytesPerSample > uint.MaxValue - _headerBytes)
            throw new InvalidOperationException("a WAV file cannot hold more than 4 GiB of data");

        int samplesPerBuffer = _buffer.Length / bytesPerSample;
        while (!interleaved.IsEmpty)
        {
            ReadOnlySpan<float> part = interleaved[..Math.Min(samplesPerBuffer, interleaved.Length)];
            int bytes = PcmSampleEncoder.Encode(part, Format.Encoding, _buffer);
            _stream.Write(_buffer, 0, bytes);
            _dataBytes += bytes;
            interleaved = interleaved[part.Length..];
        }
    }

    /// <summary>Pads an odd-sized data chunk, patches the size fields when the stream is seekable, and flushes.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        try
        {
            if (_dataBytes % 2 == 1)
                _stream.WriteByte(0); // RIFF pad byte: the chunk itself keeps its odd size
            if (_stream.CanSeek)
                PatchSizes();
            _stream.Flush();
        }
        finally
        {
            if (!_leaveOpen)
                _stream.Dispose();
        }
    }

    private void PatchSizes()
    {
        long end = _stream.Position;
        Span<byte> size = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)(end - _start - 8));
        _stream.Position = _start + 4;
        _stream.Write(size);
        BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)_dataBytes);
        _stream.Position = _start + _headerBytes - 4;
        _stream.Write(size);
        _stream.Position = end;
    }

    /// <summary>Fills <paramref name="header"/> with RIFF, fmt and the data chunk header; returns its length (44, 46 or 68).</summary>
    private int BuildHeader(Span<byte> header)
    {
        bool isFloat = Format.Encoding is SampleEncoding.Float32 or SampleEncoding.Float64;
        ushort tag = isFloat ? (ushort)3 : (ushort)1;
        int bits = Format.Encoding.BytesPerSample() * 8;
        // Non-PCM fmt chunks carry cbSize (18 bytes); the extensible one adds 22 bytes of extension.
        int fmtSize = IsExtensible ? 40 : isFloat ? 18 : 16;

        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], UnknownSize);
        "WAVE"u8.CopyTo(header[8..]);
        "fmt "u8.CopyTo(header[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)fmtSize);

        Span<byte> fmt = header.Slice(20, fmtSize);
        fmt.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(fmt, IsExtensible ? WavHeader.ExtensibleTag : tag);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt[2..], (ushort)Format.Channels);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt[4..], (uint)Format.SampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt[8..], (uint)(Format.SampleRate * Format.BlockAlign));
        BinaryPrimitives.WriteUInt16LittleEndian(fmt[12..], (ushort)Format.BlockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt[14..], (ushort)bits);
        if (IsExtensible)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(fmt[16..], 22);             // cbSize
            BinaryPrimitives.WriteUInt16LittleEndian(fmt[18..], (ushort)bits);   // valid bits
            // One bit per channel from front-left onward: a valid assignment for any count (5.1 = 0x3F).
            BinaryPrimitives.WriteUInt32LittleEndian(fmt[20..], (1u << Format.Channels) - 1);
            // SubFormat GUID: KSDATAFORMAT_SUBTYPE_PCM or _IEEE_FLOAT, i.e. the tag then the standard suffix.
            BinaryPrimitives.WriteUInt16LittleEndian(fmt[24..], tag);
            ReadOnlySpan<byte> suffix = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];
            suffix.CopyTo(fmt[26..]);
        }

        int dataHeader = 20 + fmtSize;
        "data"u8.CopyTo(header[dataHeader..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[(dataHeader + 4)..], UnknownSize);
        return dataHeader + 8;
    }
}
