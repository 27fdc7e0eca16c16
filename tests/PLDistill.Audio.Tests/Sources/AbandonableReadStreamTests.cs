using PLDistill.Audio.Sources;
using PLDistill.Audio.Tests.TestSupport;

namespace PLDistill.Audio.Tests.Sources;

/// <summary>Reads that cannot be cancelled once begun (stdin's), made cancellable, over a real pipe.</summary>
public sealed class AbandonableReadStreamTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_pipe_itself_ignores_cancellation_once_a_read_has_begun()
    {
        // What the wrapper is for: without it, a cancelled read of the pipe goes on waiting.
        using var pipe = new OsPipe();
        using var cancel = new CancellationTokenSource();
        var read = pipe.ReadEnd.ReadAsync(new byte[16], cancel.Token).AsTask();
        await Task.Delay(100, Token);

        cancel.Cancel();
        await Task.Delay(300, Token);

        Assert.False(read.IsCompleted);
        pipe.CloseWriteEnd();
        Assert.Equal(0, await read.WaitAsync(Prompt, Token));
    }

    [Fact]
    public async Task Cancelling_an_async_read_stops_the_wait_and_loses_no_bytes()
    {
        using var pipe = new OsPipe();
        using var stream = new AbandonableReadStream(pipe.ReadEnd, leaveOpen: true);
        using var cancel = new CancellationTokenSource();
        var abandoned = new byte[16];
        var read = stream.ReadAsync(abandoned, cancel.Token).AsTask();
        await Task.Delay(100, Token);
        Assert.False(read.IsCompleted);

        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(Prompt, Token));
        pipe.Write("abc"u8);
        await Task.Delay(100, Token);   // the abandoned read completes now, into the stream's own buffer
        Assert.All(abandoned, b => Assert.Equal(0, b));
        var next = new byte[16];
        int got = await stream.ReadAsync(next, Token).AsTask().WaitAsync(Prompt, Token);
        Assert.Equal("abc"u8.ToArray(), next[..got]);
    }

    [Fact]
    public async Task A_synchronous_read_ends_when_the_construction_token_fires()
    {
        using var pipe = new OsPipe();
        using var ctrlC = new CancellationTokenSource();
        using var stream = new AbandonableReadStream(pipe.ReadEnd, leaveOpen: true, abandonOn: ctrlC.Token);
        var read = Task.Run(() => stream.Read(new byte[16]), Token);
        await Task.Delay(100, Token);
        Assert.False(read.IsCompleted);

        ctrlC.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(Prompt, Token));
    }

    [Fact]
    public async Task The_construction_token_also_ends_an_async_read_whose_own_token_cannot_fire()
    {
        using var pipe = new OsPipe();
        using var ctrlC = new CancellationTokenSource();
        using var stream = new AbandonableReadStream(pipe.ReadEnd, leaveOpen: true, abandonOn: ctrlC.Token);
        var read = stream.ReadAsync(new byte[16], CancellationToken.None).AsTask();
        await Task.Delay(100, Token);

        ctrlC.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(Prompt, Token));
    }

    [Fact]
    public async Task Bytes_larger_than_the_callers_buffer_come_in_pieces_and_the_end_is_final()
    {
        using var pipe = new OsPipe();
        using var stream = new AbandonableReadStream(pipe.ReadEnd, leaveOpen: true);
        byte[] sent = [.. Enumerable.Range(0, 1000).Select(i => (byte)i)];
        pipe.Write(sent);
        pipe.CloseWriteEnd();

        var received = new List<byte>();
        var piece = new byte[300];
        int got;
        while ((got = await stream.ReadAsync(piece, Token)) > 0)
            received.AddRange(piece[..got]);

        Assert.Equal(sent, received);
        Assert.Equal(0, stream.Read(piece));
        Assert.Equal(0, await stream.ReadAsync(piece, Token));
    }

    [Fact]
    public async Task A_failing_read_throws_its_own_exception_sync_and_async()
    {
        using var stream = new AbandonableReadStream(new FailingStream());

        await Assert.ThrowsAsync<IOException>(() => stream.ReadAsync(new byte[4], Token).AsTask());
        Assert.Throws<IOException>(() => stream.Read(new byte[4]));
    }

    [Fact]
    public void It_is_read_only_and_unseekable_and_refuses_an_unreadable_stream()
    {
        using var stream = new AbandonableReadStream(new MemoryStream([1, 2]));

        Assert.True(stream.CanRead);
        Assert.False(stream.CanSeek);
        Assert.False(stream.CanWrite);
        Assert.Throws<NotSupportedException>(() => stream.Write([1], 0, 1));
        Assert.Throws<ArgumentException>(() => new AbandonableReadStream(new WriteOnlyPipe(new MemoryStream())));
    }

    private sealed class FailingStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("the pipe broke");
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
