using PLDistill.Audio.Sources;
using PLDistill.Audio.Tests.TestSupport;

namespace PLDistill.Audio.Tests.Sources;

public class ReadAheadInputTests
{
    private static byte[] Bytes(int count) => [.. Enumerable.Range(0, count).Select(i => (byte)(i * 7 + 1))];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(12)]
    [InlineData(99)]
    public void Peeked_bytes_are_read_again_and_nothing_is_lost(int peek)
    {
        byte[] data = Bytes(100);
        // One byte per read, like the worst pipe.
        using var input = new ReadAheadInput(new NonSeekableStream(new MemoryStream(data), maxChunk: 1), leaveOpen: false);

        byte[] peeked = input.Peek(peek).ToArray();
        byte[] again = input.Peek(peek).ToArray();
        var read = new MemoryStream();
        input.CopyTo(read, bufferSize: 5);

        Assert.Equal(data[..peek], peeked);
        Assert.Equal(peeked, again);
        Assert.Equal(data, read.ToArray());
    }

    [Fact]
    public async Task Peeking_more_after_a_partial_read_extends_what_is_buffered()
    {
        byte[] data = Bytes(40);
        using var input = new ReadAheadInput(new NonSeekableStream(new MemoryStream(data), maxChunk: 3), leaveOpen: false);
        var first = new byte[5];

        input.Peek(8);
        int got = await input.ReadAsync(first, TestContext.Current.CancellationToken);
        byte[] peeked = input.Peek(20).ToArray();
        var rest = new MemoryStream();
        await input.CopyToAsync(rest, TestContext.Current.CancellationToken);

        Assert.Equal(5, got);
        Assert.Equal(data[..5], first);
        Assert.Equal(data[5..25], peeked);
        Assert.Equal(data[5..], rest.ToArray());
    }

    [Fact]
    public void Peeking_past_the_end_returns_what_there_is_and_the_end_is_not_read_twice()
    {
        var pipe = new NonSeekableStream(new MemoryStream(Bytes(5)), maxChunk: 1);
        using var input = new ReadAheadInput(pipe, leaveOpen: false);

        int peeked = input.Peek(12).Length;
        int callsAfterPeek = pipe.ReadCalls;
        var buffer = new byte[16];
        int first = input.Read(buffer);
        int second = input.Read(buffer);
        int third = input.Read(buffer);

        Assert.Equal(5, peeked);
        Assert.Equal(5, first);
        Assert.Equal(0, second);
        Assert.Equal(0, third);
        // A terminal would wait for a second end-of-file; the input must remember the first.
        Assert.Equal(callsAfterPeek, pipe.ReadCalls);
    }

    [Fact]
    public void An_empty_input_peeks_nothing_and_reads_its_end()
    {
        using var input = new ReadAheadInput(new NonSeekableStream(new MemoryStream()), leaveOpen: false);

        Assert.Equal(0, input.Peek(12).Length);
        Assert.Equal(0, input.Read(new byte[4]));
    }

    [Fact]
    public void Disposing_closes_the_inner_stream_unless_asked_to_leave_it_open()
    {
        var kept = new NonSeekableStream(new MemoryStream(Bytes(4)));
        var closed = new NonSeekableStream(new MemoryStream(Bytes(4)));

        new ReadAheadInput(kept, leaveOpen: true).Dispose();
        new ReadAheadInput(closed, leaveOpen: false).Dispose();

        Assert.False(kept.IsDisposed);
        Assert.True(closed.IsDisposed);
    }

    [Fact]
    public void It_presents_itself_as_a_pipe_even_over_a_file()
    {
        using var input = new ReadAheadInput(new MemoryStream(Bytes(4)), leaveOpen: false);

        Assert.True(input.CanRead);
        Assert.False(input.CanSeek);
        Assert.False(input.CanWrite);
        Assert.Throws<NotSupportedException>(() => input.Length);
        Assert.Throws<NotSupportedException>(() => input.Seek(0, SeekOrigin.Begin));
    }
}
