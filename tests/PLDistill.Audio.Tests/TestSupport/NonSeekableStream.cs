namespace PLDistill.Audio.Tests.TestSupport;

/// <summary>
/// Wraps a stream so it behaves like a pipe: it cannot seek or report a length, and every read returns only
/// 1 to <c>maxChunk</c> bytes, so readers must cope with frames and headers split across reads.
/// </summary>
internal sealed class NonSeekableStream(Stream inner, int seed = 1, int maxChunk = 7) : Stream
{
    private readonly Random _random = new(seed);

    public int ReadCalls { get; private set; }
    public bool IsDisposed { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException("a pipe has no length");
    public override long Position
    {
        get => throw new NotSupportedException("a pipe has no position");
        set => throw new NotSupportedException("a pipe has no position");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ReadCalls++;
        if (buffer.IsEmpty)
            return 0;
        int n = Math.Min(buffer.Length, _random.Next(1, maxChunk + 1));
        return inner.Read(buffer[..n]);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("a pipe cannot seek");
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            IsDisposed = true;
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
