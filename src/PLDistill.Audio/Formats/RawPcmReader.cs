using System.Buffers;

namespace PLDistill.Audio.Formats;

/// <summary>
/// Reads headerless interleaved PCM (for example stdin fed by <c>arecord -f S16_LE -r 16000 -c 1</c>)
/// from a <see cref="Stream"/> whose format the caller declares, and decodes it to interleaved floats.
/// </summary>
/// <remarks>
/// <para>Reads incrementally through one reusable buffer; the input is never loaded whole.</para>
/// <para>Pipes deliver bytes in arbitrary pieces, so a frame split across two <see cref="Stream.Read(Span{byte})"/>
/// calls is kept until its remaining bytes arrive. A partial frame left at the end of the input is dropped:
/// it has no meaningful samples for all channels.</para>
/// <para>A read returning 0 bytes is the end of the input; nothing here waits for more.</para>
/// <para><see cref="WavReader"/> uses this class for the body of a data chunk, with a declared byte count.</para>
/// </remarks>
public sealed class RawPcmReader : IPcmFrameReader
{
    // 32 KiB is 1 s of 16 kHz mono Int16: large enough that a file read is a handful of system calls,
    // small enough to stay in cache for the decode that follows.
    private const int BufferBytes = 32 * 1024;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly int _blockAlign;
    private readonly int _capacity;
    private readonly long? _declaredBytes;
    private readonly byte[] _buffer;
    private bool _disposed;
    private int _pending;          // bytes of an incomplete frame at the start of _buffer
    private long _bytesFromStream; // bytes taken from the stream so far
    private bool _ended;

    /// <summary>
    /// Creates a reader of <paramref name="format"/> samples from the current position of <paramref name="stream"/> to its end.
    /// </summary>
    /// <param name="stream">The input; seekable or not.</param>
    /// <param name="format">What the bytes are; raw PCM carries no header to tell.</param>
    /// <param name="inputName">Name for messages, e.g. a path or "stdin".</param>
    /// <param name="leaveOpen">When true, <see cref="Dispose"/> leaves <paramref name="stream"/> open.</param>
    public RawPcmReader(Stream stream, PcmFormat format, string inputName, bool leaveOpen = false)
        : this(stream, format, inputName, leaveOpen, declaredBytes: null)
    {
    }

    /// <summary>
    /// A reader limited to <paramref name="declaredBytes"/> (null: to the end of the stream). It never reads past
    /// that limit, and an input ending before it is reported as <see cref="AudioFormatProblem.Truncated"/>.
    /// </summary>
    internal RawPcmReader(Stream stream, PcmFormat format, string inputName, bool leaveOpen, long? declaredBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(inputName);
        if (!stream.CanRead)
            throw new ArgumentException("the stream is not readable", nameof(stream));
        if (declaredBytes < 0)
            throw new ArgumentOutOfRangeException(nameof(declaredBytes), declaredBytes, "must not be negative");

        _stream = stream;
        _leaveOpen = leaveOpen;
        Format = format;
        InputName = inputName;
        _declaredBytes = declaredBytes;
        _blockAlign = format.BlockAlign;
        // A whole number of frames, so a full buffer never splits one.
        _capacity = BufferBytes - BufferBytes % _blockAlign;
        _buffer = ArrayPool<byte>.Shared.Rent(_capacity);
    }

    /// <summary>The format of the samples.</summary>
    public PcmFormat Format { get; }

    /// <summary>The name used in messages.</summary>
    public string InputName { get; }

    /// <summary>Whole frames returned so far.</summary>
    public long FramesRead { get; private set; }

    /// <summary>
    /// Reads up to <c>interleaved.Length / Format.Channels</c> whole frames of interleaved samples into
    /// <paramref name="interleaved"/>. Returns the number of frames; 0 only at the end of the input.
    /// May return fewer frames than fit, as soon as one stream read produced at least one frame.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="interleaved"/> cannot hold a single frame.</exception>
    /// <exception cref="AudioFormatException">The input ended before its declared length.</exception>
    public int ReadFrames(Span<float> interleaved)
    {
        int maxFrames = FramesThatFit(interleaved.Length, nameof(interleaved));
        while (!_ended)
        {
            (int offset, int count) = NextReadRange(maxFrames);
            int got = count == 0 ? 0 : _stream.Read(_buffer.AsSpan(offset, count));
            int frames = Accept(got, interleaved);
            if (frames > 0)
                return frames;
        }
        return 0;
    }

    /// <summary>
    /// The asynchronous form of <see cref="ReadFrames"/>; the stream read honours <paramref name="cancellationToken"/>.
    /// </summary>
    public async ValueTask<int> ReadFramesAsync(Memory<float> interleaved, CancellationToken cancellationToken = default)
    {
        int maxFrames = FramesThatFit(interleaved.Length, nameof(interleaved));
        while (!_ended)
        {
            cancellationToken.ThrowIfCancellationRequested();
            (int offset, int count) = NextReadRange(maxFrames);
            int got = count == 0
                ? 0
                : await _stream.ReadAsync(_buffer.AsMemory(offset, count), cancellationToken).ConfigureAwait(false);
            int frames = Accept(got, interleaved.Span);
            if (frames > 0)
                return frames;
        }
        return 0;
    }

    /// <summary>Returns the buffer to the pool and closes the stream unless asked to leave it open.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        ArrayPool<byte>.Shared.Return(_buffer);
        if (!_leaveOpen)
            _stream.Dispose();
    }

    private int FramesThatFit(int destinationLength, string parameterName)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int maxFrames = destinationLength / Format.Channels;
        // Returning 0 would read as "end of input", so a destination too small for one frame is a caller bug.
        if (maxFrames == 0)
            throw new ArgumentException(
                $"destination holds {destinationLength} samples; one {Format.Channels}-channel frame needs {Format.Channels}",
                parameterName);
        return maxFrames;
    }

    /// <summary>Where in the buffer the next stream read goes, and how many bytes it may take (0: nothing left to read).</summary>
    private (int Offset, int Count) NextReadRange(int maxFrames)
    {
        // Never ask for more than the caller can take, so every byte read is decoded in this call or kept as a partial frame.
        long wanted = Math.Min(_capacity, (long)maxFrames * _blockAlign) - _pending;
        if (_declaredBytes is long declared)
            wanted = Math.Min(wanted, declared - _bytesFromStream);
        return (_pending, (int)wanted);
    }

    /// <summary>Takes <paramref name="got"/> new bytes (0: end of input) and decodes the whole frames now buffered.</summary>
    private int Accept(int got, Span<float> interleaved)
    {
        if (got == 0)
        {
            _ended = true;
            if (_declaredBytes is long declared && _bytesFromStream < declared)
                throw new AudioFormatException(InputName, AudioFormatProblem.Truncated,
                    $"data ended after {_bytesFromStream} of {declared} declared bytes");
            // Whatever is pending is a trailing partial frame: dropped, as documented.
            return 0;
        }

        _bytesFromStream += got;
        int available = _pending + got;
        int frames = available / _blockAlign;
        int frameBytes = frames * _blockAlign;
        Span<byte> buffer = _buffer.AsSpan();
        PcmSampleDecoder.Decode(buffer[..frameBytes], Format.Encoding, interleaved);

        // Keep the start of a split frame for the next read.
        _pending = available - frameBytes;
        buffer.Slice(frameBytes, _pending).CopyTo(buffer);
        FramesRead += frames;
        return frames;
    }
}
