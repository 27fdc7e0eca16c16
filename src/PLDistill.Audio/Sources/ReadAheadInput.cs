namespace PLDistill.Audio.Sources;

/// <summary>
/// A read-only, forward-only view of a stream that can look at its first bytes without consuming them:
/// <see cref="Peek"/> reads ahead and keeps what it read, and later reads return those bytes first.
/// Used to tell a WAV stream from raw PCM on a pipe, which cannot be rewound.
/// </summary>
/// <remarks>
/// <para>Always non-seekable, even over a file, so readers treat it as the pipe it usually is.</para>
/// <para>Once <see cref="Peek"/> has seen the inner stream end, it is not read again: a terminal would otherwise wait
/// for a second end-of-file that the reader never asked for. Past the read-ahead bytes, reads go straight to the inner
/// stream: this view adds no state machine or copy of its own to each audio chunk.</para>
/// <para>Not thread-safe, like the streams it wraps.</para>
/// </remarks>
internal sealed class ReadAheadInput : ForwardReadStream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private byte[] _ahead = [];
    private int _start;        // first unread byte in _ahead
    private int _end;          // one past the last read-ahead byte in _ahead
    private bool _innerEnded;  // Peek saw the inner stream end

    /// <summary>Wraps <paramref name="inner"/>; disposing this disposes it too unless <paramref name="leaveOpen"/>.</summary>
    public ReadAheadInput(Stream inner, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!inner.CanRead)
            throw new ArgumentException("the stream is not readable", nameof(inner));
        _inner = inner;
        _leaveOpen = leaveOpen;
    }

    /// <summary>
    /// Returns the next <paramref name="count"/> bytes without consuming them, reading (blocking) until that many
    /// have arrived or the input ends; fewer only at the end of the input. The span is valid until the next call.
    /// </summary>
    public ReadOnlySpan<byte> Peek(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (_ahead.Length - _start < count)
        {
            // Move what is unread to the front of a buffer large enough for the request.
            byte[] larger = _ahead.Length >= count ? _ahead : new byte[count];
            Buffer.BlockCopy(_ahead, _start, larger, 0, _end - _start);
            _end -= _start;
            _start = 0;
            _ahead = larger;
        }
        // Pipes return short counts: keep reading until the request is met or the input ends.
        while (_end - _start < count && !_innerEnded)
        {
            int got = _inner.Read(_ahead, _end, _start + count - _end);
            if (got == 0)
                _innerEnded = true;
            _end += got;
        }
        return _ahead.AsSpan(_start, Math.Min(count, _end - _start));
    }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (_start < _end)
            return TakeAhead(buffer);
        return _innerEnded || buffer.IsEmpty ? 0 : _inner.Read(buffer);
    }

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<int>(cancellationToken);
        if (_start < _end)
            return new ValueTask<int>(TakeAhead(buffer.Span));
        return _innerEnded || buffer.IsEmpty ? new ValueTask<int>(0) : _inner.ReadAsync(buffer, cancellationToken);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            DisposeOnce(() => { if (!_leaveOpen) _inner.Dispose(); });
        base.Dispose(disposing);
    }

    // Returning only read-ahead bytes (a short count) keeps a blocking pipe read out of this call.
    private int TakeAhead(Span<byte> buffer)
    {
        int n = Math.Min(buffer.Length, _end - _start);
        _ahead.AsSpan(_start, n).CopyTo(buffer);
        _start += n;
        return n;
    }
}
