namespace PLDistill.Audio.Sources;

/// <summary>
/// The common part of the read-only, forward-only stream views over a pipe (<see cref="ReadAheadInput"/>,
/// <see cref="AbandonableReadStream"/>): no seeking, length, position or writing, and the array overloads routed to the
/// span and memory ones, which a view implements.
/// </summary>
internal abstract class ForwardReadStream : Stream
{
    private bool _disposed;

    /// <summary>True once disposed.</summary>
    protected bool IsDisposed => _disposed;

    /// <inheritdoc />
    public abstract override int Read(Span<byte> buffer);

    /// <inheritdoc />
    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public sealed override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc />
    public sealed override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc />
    public sealed override bool CanRead => !_disposed;

    /// <inheritdoc />
    public sealed override bool CanSeek => false;

    /// <inheritdoc />
    public sealed override bool CanWrite => false;

    /// <inheritdoc />
    public sealed override long Length => throw new NotSupportedException($"{GetType().Name} reads forward only: it has no length");

    /// <inheritdoc />
    public sealed override long Position
    {
        get => throw new NotSupportedException($"{GetType().Name} reads forward only: it has no position");
        set => throw new NotSupportedException($"{GetType().Name} reads forward only: it cannot seek");
    }

    /// <inheritdoc />
    public sealed override void Flush()
    {
    }

    /// <inheritdoc />
    public sealed override long Seek(long offset, SeekOrigin origin) =>
        throw new NotSupportedException($"{GetType().Name} reads forward only: it cannot seek");

    /// <inheritdoc />
    public sealed override void SetLength(long value) => throw new NotSupportedException($"{GetType().Name} is read-only");

    /// <inheritdoc />
    public sealed override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException($"{GetType().Name} is read-only");

    /// <summary>Disposes the view once; <paramref name="disposeInner"/> runs on the first call only.</summary>
    protected void DisposeOnce(Action disposeInner)
    {
        if (_disposed)
            return;
        _disposed = true;
        disposeInner();
    }
}
