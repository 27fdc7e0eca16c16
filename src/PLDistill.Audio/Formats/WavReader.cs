using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace PLDistill.Audio.Formats;

/// <summary>
/// Reads a RIFF/WAVE file incrementally from a <see cref="Stream"/>: a file, or a pipe such as stdin.
/// <see cref="Open"/> parses the header; <see cref="ReadFrames"/> then decodes the data chunk to interleaved floats.
/// </summary>
/// <remarks>
/// <para>Supported: PCM 8 (unsigned), 16, 24 and 32 bit; IEEE float 32 and 64 bit; both also as WAVE_FORMAT_EXTENSIBLE;
/// 1 to 8 channels; 8 to 192 kHz. Chunks other than fmt and data (LIST, fact, bext, ...) are skipped.</para>
/// <para>Malformed input always raises <see cref="AudioFormatException"/> naming the input and the problem.</para>
/// <para>Lenient where writers are commonly wrong: the RIFF size field is not trusted for reading (only to tell a
/// cut-short file from a wrong size field in messages) and the fmt byte rate is ignored. A data size of 0x7FFF0000 or
/// more on a pipe, or one that is a streaming placeholder larger than the file, means "unknown length, read to the end";
/// so does a data size of 0 on a pipe, or in a file whose RIFF size does not reach past the data header (a writer that
/// never came back to fill the sizes in).</para>
/// <para>Reading stops at the end of the data chunk; nothing after it is read. A trailing partial frame is dropped.</para>
/// <para>I/O errors from the stream itself (<see cref="IOException"/>) pass through unchanged: they say nothing about the bytes.</para>
/// </remarks>
public sealed class WavReader : IPcmFrameReader
{
    // arecord writes about 0x7FFFFFFF, sox 0x7FFFF000, GStreamer's wavenc 0x7FFF0000 and ffmpeg 0xFFFFFFFF when the
    // output is a pipe.
    private const uint StreamingLengthPlaceholder = 0x7FFF_0000;

    // Real fmt chunks are 16, 18 or 40 bytes; anything past this is a corrupt size, not a format to read.
    private const int MaxFmtChunkBytes = 4096;

    // Bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID (xxxxxxxx-0000-0010-8000-00AA00389B71, little-endian layout);
    // bytes 0..1 carry the classic format tag.
    private static ReadOnlySpan<byte> KsDataFormatSuffix =>
        [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    private readonly Stream _stream;
    private readonly string _inputName;
    private readonly RawPcmReader _data;
    private long _consumed;   // bytes read from the stream so far, including skipped ones
    private long? _riffEnd;   // where the RIFF size field says the file ends; null for a streaming placeholder

    private WavReader(Stream stream, string inputName, bool leaveOpen)
    {
        _stream = stream;
        _inputName = inputName;
        Header = ReadHeader();
        _data = new RawPcmReader(stream, Header.Format, inputName, leaveOpen, Header.DataLength);
    }

    /// <summary>
    /// Reads the header from the current position of <paramref name="stream"/> and leaves it at the first sample.
    /// </summary>
    /// <param name="stream">A file or a non-seekable pipe. Seekable streams let unknown chunks be skipped by seeking
    /// and chunk sizes be checked against the file length.</param>
    /// <param name="inputName">Name for messages, e.g. a path or "stdin".</param>
    /// <param name="leaveOpen">When true, disposing the reader (or a failed open) leaves <paramref name="stream"/> open.</param>
    /// <exception cref="AudioFormatException">The header is malformed or describes audio we do not decode.</exception>
    public static WavReader Open(Stream stream, string inputName, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(inputName);
        if (!stream.CanRead)
            throw new ArgumentException("the stream is not readable", nameof(stream));
        try
        {
            return new WavReader(stream, inputName, leaveOpen);
        }
        catch
        {
            if (!leaveOpen)
                stream.Dispose();
            throw;
        }
    }

    /// <summary>Everything the header said.</summary>
    public WavHeader Header { get; }

    /// <summary>The format of the samples <see cref="ReadFrames"/> returns.</summary>
    public PcmFormat Format => Header.Format;

    /// <summary>The name used in messages.</summary>
    public string InputName => _inputName;

    /// <summary>Whole frames returned so far.</summary>
    public long FramesRead => _data.FramesRead;

    /// <summary>
    /// Reads up to <c>interleaved.Length / Format.Channels</c> whole frames of interleaved samples.
    /// Returns the number of frames; 0 only at the end of the data. May return fewer than fit before the end.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="interleaved"/> cannot hold a single frame.</exception>
    /// <exception cref="AudioFormatException">The input ended before the declared data length.</exception>
    public int ReadFrames(Span<float> interleaved) => _data.ReadFrames(interleaved);

    /// <summary>The asynchronous form of <see cref="ReadFrames"/>; the stream read honours <paramref name="cancellationToken"/>.</summary>
    public ValueTask<int> ReadFramesAsync(Memory<float> interleaved, CancellationToken cancellationToken = default) =>
        _data.ReadFramesAsync(interleaved, cancellationToken);

    /// <summary>Releases the read buffer and closes the stream unless it was opened with leaveOpen.</summary>
    public void Dispose() => _data.Dispose();

    private WavHeader ReadHeader()
    {
        ReadRiffHeader();

        WavHeader? fmt = null;
        var chunksSeen = new List<string>();
        Span<byte> chunkHeader = stackalloc byte[8];
        while (true)
        {
            int got = ReadFully(chunkHeader);
            if (got == 0)
                throw NoDataChunk(chunksSeen);
            if (got < chunkHeader.Length)
                throw Error(AudioFormatProblem.Truncated, $"file ends inside a chunk header at byte {_consumed}");

            ReadOnlySpan<byte> id = chunkHeader[..4];
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunkHeader[4..]);
            string label = ChunkLabel(id);

            if (id.SequenceEqual("data"u8))
            {
                if (fmt is null)
                    throw Error(AudioFormatProblem.CorruptHeader, "data chunk comes before the fmt chunk");
                return fmt with { DataOffset = _consumed, DataLength = DataLength(size) };
            }

            if (id.SequenceEqual("fmt "u8))
            {
                if (fmt is not null)
                    throw Error(AudioFormatProblem.CorruptHeader, "file has a second fmt chunk");
                fmt = ReadFmtChunk(size);
            }
            else
            {
                CheckChunkFits(label, size);
                SkipChunkBody(label, size);
            }
            // Remembered only to name them in a "no data chunk" message; capped so a garbage pipe cannot grow it.
            if (chunksSeen.Count < 8)
                chunksSeen.Add(label);
            else if (chunksSeen.Count == 8)
                chunksSeen.Add("...");
        }
    }

    private void ReadRiffHeader()
    {
        Span<byte> riff = stackalloc byte[12];
        int got = ReadFully(riff);
        ReadOnlySpan<byte> start = riff[..got];

        if (got >= 4 && (start.StartsWith("RF64"u8) || start.StartsWith("BW64"u8)))
            throw Error(AudioFormatProblem.UnsupportedEncoding,
                "RF64 is not supported (64-bit WAV for files over 4 GiB); convert to a plain WAV");
        if (got >= 4 && start.StartsWith("RIFX"u8))
            throw Error(AudioFormatProblem.UnsupportedEncoding, "RIFX (big-endian WAV) is not supported");
        // Compare only what arrived, so a cut-short "RI" still counts as a WAV that was truncated.
        if (!"RIFF"u8.StartsWith(start[..Math.Min(got, 4)]) ||
            (got > 8 && !"WAVE"u8.StartsWith(start[8..])))
            throw Error(AudioFormatProblem.NotWave, DescribeNotWave(start));
        if (got == 0)
            throw Error(AudioFormatProblem.Truncated, "input is empty");
        if (got < riff.Length)
            throw Error(AudioFormatProblem.Truncated, $"file ends after {got} bytes, inside the 12-byte RIFF header");

        uint riffSize = BinaryPrimitives.ReadUInt32LittleEndian(riff[4..]);
        _riffEnd = riffSize >= StreamingLengthPlaceholder ? null : 8L + riffSize;
    }

    private WavHeader ReadFmtChunk(uint size)
    {
        if (size < 16)
            throw Error(AudioFormatProblem.CorruptHeader, $"fmt chunk is {size} bytes; it needs at least 16");
        if (size > MaxFmtChunkBytes)
            throw Error(AudioFormatProblem.AbsurdSize, $"fmt chunk declares {size} bytes; real ones are 16 to 40");
        CheckChunkFits("fmt chunk", size);

        Span<byte> body = stackalloc byte[(int)size];
        int got = ReadFully(body);
        if (got < body.Length)
            throw Error(AudioFormatProblem.Truncated, $"file ends inside the fmt chunk ({got} of {size} bytes)");
        SkipPadByte(size);

        ushort formatTag = BinaryPrimitives.ReadUInt16LittleEndian(body);
        ushort channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
        uint sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
        // body[8..12] is the byte rate: redundant, and often wrong in the wild, so it is not checked.
        ushort blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(body[12..]);
        ushort bitsPerSample = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);

        ushort codec = formatTag;
        int validBits = bitsPerSample;
        uint channelMask = 0;
        string prefix = "";
        if (formatTag == WavHeader.ExtensibleTag)
        {
            // The extension: cbSize, valid bits, channel mask, then a SubFormat GUID naming the real codec.
            ushort cbSize = size >= 18 ? BinaryPrimitives.ReadUInt16LittleEndian(body[16..]) : (ushort)0;
            if (size < 40 || cbSize < 22)
                throw Error(AudioFormatProblem.CorruptHeader,
                    $"extensible fmt chunk is {size} bytes with cbSize {cbSize}; it needs 40 bytes and cbSize 22");
            validBits = BinaryPrimitives.ReadUInt16LittleEndian(body[18..]);
            channelMask = BinaryPrimitives.ReadUInt32LittleEndian(body[20..]);
            ReadOnlySpan<byte> subFormat = body.Slice(24, 16);
            if (!subFormat[2..].SequenceEqual(KsDataFormatSuffix))
                throw Error(AudioFormatProblem.UnsupportedEncoding,
                    $"extensible sub-format {new Guid(subFormat)} is not supported (only PCM and IEEE float are)");
            codec = BinaryPrimitives.ReadUInt16LittleEndian(subFormat);
            prefix = "extensible ";
        }

        if (codec is not (1 or 3))
            throw Error(AudioFormatProblem.UnsupportedEncoding,
                $"{prefix}{CodecName(codec)} is not supported; convert to PCM or IEEE float first");
        if (channels is 0 or > PcmFormat.MaxChannels)
            throw Error(AudioFormatProblem.UnsupportedChannelCount,
                $"fmt chunk declares {channels} channels; 1 to {PcmFormat.MaxChannels} are supported");
        if (sampleRate is < PcmFormat.MinSampleRate or > PcmFormat.MaxSampleRate)
            throw Error(AudioFormatProblem.UnsupportedSampleRate,
                $"sample rate {sampleRate} Hz is outside the supported {PcmFormat.MinSampleRate}..{PcmFormat.MaxSampleRate} Hz");

        SampleEncoding? encoding = (codec, bitsPerSample) switch
        {
            (1, 8) => SampleEncoding.UInt8,
            (1, 16) => SampleEncoding.Int16,
            (1, 24) => SampleEncoding.Int24,
            (1, 32) => SampleEncoding.Int32,
            (3, 32) => SampleEncoding.Float32,
            (3, 64) => SampleEncoding.Float64,
            _ => null,
        };
        string formatName = prefix + (codec == 1 ? "PCM" : "IEEE float");
        if (encoding is not SampleEncoding sampleEncoding)
            throw Error(AudioFormatProblem.UnsupportedEncoding,
                $"{bitsPerSample}-bit {formatName} is not supported ({(codec == 1 ? "8, 16, 24 or 32" : "32 or 64")} bits are)");

        int expectedBlockAlign = channels * sampleEncoding.BytesPerSample();
        if (blockAlign != expectedBlockAlign)
            throw Error(AudioFormatProblem.CorruptHeader,
                $"block align is {blockAlign} but {channels} channels of {bitsPerSample}-bit samples need {expectedBlockAlign}");
        // Some writers leave the valid-bits field 0, meaning "all of them".
        if (validBits == 0)
            validBits = bitsPerSample;
        if (validBits > bitsPerSample)
            throw Error(AudioFormatProblem.CorruptHeader,
                $"{validBits} valid bits do not fit in a {bitsPerSample}-bit sample");

        var format = new PcmFormat((int)sampleRate, channels, sampleEncoding);
        return new WavHeader(format, DataOffset: 0, DataLength: null, validBits, formatTag, formatName, channelMask);
    }

    /// <summary>The data length to read, or null to read to the end of the input.</summary>
    private long? DataLength(uint declared)
    {
        if (declared >= StreamingLengthPlaceholder)
        {
            // On a pipe this is the streaming placeholder. In a file it may be a genuine 2-4 GiB chunk: trust it when
            // the bytes are there; otherwise it is a streamed capture saved to disk, so read what the file holds.
            if (!_stream.CanSeek || declared > _stream.Length - _stream.Position)
                return null;
        }
        // Writers that cannot seek back, and recorders stopped before they finished, leave 0 with the audio after it
        // (ffmpeg reads such input to the end too). A finished file's RIFF size reaches at least to here: there a 0 is
        // an empty WAV, maybe with other chunks after its data. On a pipe the bytes after the header cannot be counted,
        // so a finished WAV is recognised only by a RIFF size reaching past the data header (chunks follow the empty
        // data); a writer that left the sizes unfilled wrote 0 or 36 there, which reach no further than the header.
        if (declared == 0 && !(_riffEnd is long riffEnd && (_stream.CanSeek ? riffEnd >= _consumed : riffEnd > _consumed)))
            return null;
        CheckChunkFits("data chunk", declared);
        return declared;
    }

    /// <summary>On a seekable stream, rejects a chunk that declares more bytes than the file has left.</summary>
    private void CheckChunkFits(string label, uint size)
    {
        if (!_stream.CanSeek)
            return;
        long remaining = _stream.Length - _stream.Position;
        if (size <= remaining)
            return;

        string detail = $"{label} declares {size} bytes but only {remaining} remain in the file";
        // When the RIFF size also promises more than the file holds and this chunk fits inside that promise,
        // the file was cut short (an interrupted copy or recording) rather than written with a wrong size.
        long fileEnd = _consumed + remaining;
        bool cutShort = _riffEnd is long riffEnd && riffEnd > fileEnd && _consumed + size <= riffEnd;
        throw cutShort
            ? Error(AudioFormatProblem.Truncated, $"file is truncated: {detail}")
            : Error(AudioFormatProblem.AbsurdSize, detail);
    }

    private void SkipChunkBody(string label, uint size)
    {
        long skipped = Skip(size);
        if (skipped < size)
            throw Error(AudioFormatProblem.Truncated, $"file ends inside the {label} ({skipped} of {size} bytes)");
        SkipPadByte(size);
    }

    // RIFF chunks start on even offsets, so an odd-sized chunk is followed by one pad byte. A missing pad byte
    // at the very end of the input is harmless; the next chunk header read then reports the real problem.
    private void SkipPadByte(uint size)
    {
        if (size % 2 == 1)
            Skip(1);
    }

    /// <summary>Skips up to <paramref name="count"/> bytes; returns how many were there.</summary>
    private long Skip(long count)
    {
        if (_stream.CanSeek)
        {
            long available = Math.Min(count, Math.Max(0, _stream.Length - _stream.Position));
            _stream.Seek(available, SeekOrigin.Current);
            _consumed += available;
            return available;
        }

        // A pipe cannot seek: read and discard.
        byte[] scratch = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            long skipped = 0;
            while (skipped < count)
            {
                int got = ReadFully(scratch.AsSpan(0, (int)Math.Min(scratch.Length, count - skipped)));
                if (got == 0)
                    break;
                skipped += got;
            }
            return skipped;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the input ends; returns the bytes read.</summary>
    private int ReadFully(Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int got = _stream.Read(buffer[total..]);
            if (got == 0)
                break;
            total += got;
        }
        _consumed += total;
        return total;
    }

    private AudioFormatException NoDataChunk(List<string> chunksSeen)
    {
        string seen = chunksSeen.Count == 0 ? "no chunks" : string.Join(", ", chunksSeen);
        // If the RIFF size promised more, the input was cut short before the data chunk arrived.
        return _riffEnd is long riffEnd && riffEnd <= _consumed
            ? Error(AudioFormatProblem.CorruptHeader, $"no data chunk (the file has {seen})")
            : Error(AudioFormatProblem.Truncated, $"input ends at byte {_consumed} before a data chunk (after {seen})");
    }

    private AudioFormatException Error(AudioFormatProblem problem, string detail) => new(_inputName, problem, detail);

    private static string DescribeNotWave(ReadOnlySpan<byte> start)
    {
        if (start.Length >= 12 && start.StartsWith("RIFF"u8))
            return $"a RIFF file of type {FourCcText(start[8..12])}, not WAVE";
        string bytes = Convert.ToHexString(start[..Math.Min(start.Length, 8)]);
        var spaced = new StringBuilder();
        for (int i = 0; i < bytes.Length; i += 2)
            spaced.Append(i == 0 ? "" : " ").Append(bytes, i, 2);
        string hint = start switch
        {
            _ when start.StartsWith("ID3"u8) => " (looks like MP3 with an ID3 tag)",
            [0xFF, >= 0xE0, ..] => " (looks like MPEG audio)",
            _ when start.StartsWith("OggS"u8) => " (looks like Ogg)",
            _ when start.StartsWith("fLaC"u8) => " (looks like FLAC)",
            _ when start.StartsWith("FORM"u8) => " (looks like AIFF)",
            _ => "",
        };
        return $"not a WAV file: starts with bytes {spaced}{hint}";
    }

    private static string ChunkLabel(ReadOnlySpan<byte> id) => $"{FourCcText(id)} chunk";

    /// <summary>"LIST" for a readable four-character code; hex for garbage, which must not mangle the message.</summary>
    private static string FourCcText(ReadOnlySpan<byte> id)
    {
        foreach (byte b in id)
        {
            if (b is < 0x20 or > 0x7E)
                return "0x" + Convert.ToHexString(id);
        }
        return Encoding.ASCII.GetString(id).TrimEnd();
    }

    private static string CodecName(ushort tag) => tag switch
    {
        0x0002 => "MS ADPCM (format tag 0x0002)",
        0x0006 => "A-law (format tag 0x0006)",
        0x0007 => "mu-law (format tag 0x0007)",
        0x0011 => "IMA ADPCM (format tag 0x0011)",
        0x0031 => "GSM 6.10 (format tag 0x0031)",
        0x0050 => "MPEG (format tag 0x0050)",
        0x0055 => "MP3 (format tag 0x0055)",
        _ => $"format tag 0x{tag:X4}",
    };
}
