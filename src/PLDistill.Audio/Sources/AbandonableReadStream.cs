namespace PLDistill.Audio.Sources;

/// <summary>
/// A read-only view of a stream whose reads cannot be cancelled once begun, made cancellable. Console's stdin is such a
/// stream: on Unix a read blocks in read(2) whatever its token says, so Ctrl+C on <c>pld run -</c> would wait for the
/// next byte from the pipe or terminal. Here a caller who cancels stops <em>waiting</em>; the read itself goes on.
/// </summary>
/// <remarks>
/// <para>Every inner read goes into a buffer of this stream's own, never the caller's: an abandoned read may complete
/// long after its caller has reused or returned its buffer. Its bytes are kept and delivered by the next read, so
/// cancelling loses nothing.</para>
/// <para>Synchronous reads (a WAV header is parsed that way) stop waiting when the token given at construction fires,
/// with an <see cref="OperationCanceledException"/>; asynchronous reads when either it or their own token fires.</para>
/// <para>Once the inner stream has ended it is not read again: a terminal would otherwise wait for a second end of
/// file. Not thread-safe, like the streams it wraps: one reader at a time.</para>
/// </remarks>
internal sealed class AbandonableReadStream : ForwardReadStream
{
    // A pipe read returns what has arrived, up to this; 64 KB is 2 s of 16 kHz 16-bit mono.
    private const int BufferBytes = 64 * 1024;

    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly CancellationToken _abandonOn;
    private readonly byte[] _buffer = new byte[BufferBytes];
    private Task<int>? _pending;   // the inner read in flight (or finished, not yet collected)
    private int _start;            // first undelivered byte of a collected read
    private int _end;              // one past its last byte
    private bool _ended;

    /// <summary>Wraps <paramref name="inner"/>; disposing this disposes it too unless <paramref name="leaveOpen"/>.</summary>
    /// <param name="inner">A readable stream.</param>
    /// <param name="leaveOpen">Leave <paramref name="inner"/> open on dispose.</param>
    /// <param name="abandonOn">Ends every wait, synchronous or not, e.g. the command's Ctrl+C token.</param>
    public AbandonableReadStream(Stream inner, bool leaveOpen = false, CancellationToken abandonOn = default)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!inner.CanRead)
            throw new ArgumentException("the stream is not readable", nameof(inner));
        _inner = inner;
        _abandonOn = abandonOn;
        _leaveOpen = leaveOpen;
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (_start == _end && !_ended && !buffer.IsEmpty)
        {
            Task<int> read = StartOrContinueRead();
            if (cancellationToken.CanBeCanceled && _abandonOn.CanBeCanceled)
            {
                using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _abandonOn);
                await read.WaitAsync(either.Token).ConfigureAwait(false);
            }
            else
            {
                await read.WaitAsync(cancellationToken.CanBeCanceled ? cancellationToken : _abandonOn).ConfigureAwait(false);
            }
            Collect(read);
        }
        return Deliver(buffer.Span);
    }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (_start == _end && !_ended && !buffer.IsEmpty)
        {
            Task<int> read = StartOrContinueRead();
            // WaitAsync(...).GetAwaiter().GetResult() rethrows the inner stream's own exception, not an AggregateException.
            read.WaitAsync(_abandonOn).GetAwaiter().GetResult();
            Collect(read);
        }
        return Deliver(buffer);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        // A read still in flight finishes into our buffer, which nobody reads any more.
        if (disposing)
            DisposeOnce(() => { if (!_leaveOpen) _inner.Dispose(); });
        base.Dispose(disposing);
    }

    // The inner read is started without a token: it must be able to outlive the caller who started it.
    private Task<int> StartOrContinueRead() => _pending ??= _inner.ReadAsync(_buffer, CancellationToken.None).AsTask();

    private void Collect(Task<int> read)
    {
        _pending = null;
        int got = read.GetAwaiter().GetResult();   // a failed read throws its own exception here
        _start = 0;
        _end = got;
        _ended = got == 0;
    }

    private int Deliver(Span<byte> buffer)
    {
        int n = Math.Min(buffer.Length, _end - _start);
        _buffer.AsSpan(_start, n).CopyTo(buffer);
        _start += n;
        return n;
    }
}
