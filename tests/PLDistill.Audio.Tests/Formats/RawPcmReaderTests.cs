using PLDistill.Audio.Formats;
using PLDistill.Audio.Tests.TestSupport;
using static PLDistill.Audio.Tests.TestSupport.WavBytes;

namespace PLDistill.Audio.Tests.Formats;

public class RawPcmReaderTests
{
    [Fact]
    public void Int16_frames_split_across_tiny_reads_are_reassembled()
    {
        short[] samples = [100, -100, 16_384, -16_384, 32_767, -32_768, 7, -7, 0, 1];
        var format = new PcmFormat(16_000, 2, SampleEncoding.Int16);
        // 1..7 bytes per read: frames (4 bytes) keep getting split.
        var pipe = new NonSeekableStream(new MemoryStream(Int16Samples(samples)), seed: 3);

        using var reader = new RawPcmReader(pipe, format, "stdin");
        float[] read = TestAudio.ReadAll(reader.ReadFrames, 2, 1, 2, 4);

        Assert.Equal(samples.Select(s => s / 32_768f), read);
        Assert.Equal(5, reader.FramesRead);
        Assert.True(pipe.ReadCalls > 5, "the test stream should have split the input");
    }

    [Fact]
    public void Float32_with_a_partial_frame_at_the_end_drops_it()
    {
        float[] samples = [0.1f, -0.2f, 0.3f, -0.4f, 0.5f, -0.6f];
        var format = new PcmFormat(48_000, 3, SampleEncoding.Float32);
        // Two whole 12-byte frames and 5 stray bytes.
        byte[] bytes = [.. Float32Samples(samples), 1, 2, 3, 4, 5];

        using var reader = new RawPcmReader(new NonSeekableStream(new MemoryStream(bytes), seed: 9), format, "stdin");
        float[] read = TestAudio.ReadAll(reader.ReadFrames, 3, 1);

        Assert.Equal(samples, read);
        Assert.Equal(2, reader.FramesRead);
    }

    [Theory]
    [InlineData(SampleEncoding.Int16, 1)]
    [InlineData(SampleEncoding.Int16, 2)]
    [InlineData(SampleEncoding.Float32, 1)]
    [InlineData(SampleEncoding.Int24, 6)]
    public void A_pipe_and_a_seekable_stream_read_the_same(SampleEncoding encoding, int channels)
    {
        var format = new PcmFormat(16_000, channels, encoding);
        var bytes = new byte[format.BlockAlign * 3_001];
        new Random(5).NextBytes(bytes);
        var expected = new float[bytes.Length / encoding.BytesPerSample()];
        PcmSampleDecoder.Decode(bytes, encoding, expected);

        using var seekable = new RawPcmReader(new MemoryStream(bytes), format, "file");
        using var pipe = new RawPcmReader(new NonSeekableStream(new MemoryStream(bytes)), format, "pipe");

        Assert.Equal(expected, TestAudio.ReadAll(seekable.ReadFrames, channels, 1_000_000));
        Assert.Equal(expected, TestAudio.ReadAll(pipe.ReadFrames, channels, 3, 17, 250));
    }

    [Fact]
    public void An_empty_input_is_zero_frames_every_time()
    {
        using var reader = new RawPcmReader(new MemoryStream(), new PcmFormat(16_000, 1, SampleEncoding.Int16), "stdin");

        Assert.Equal(0, reader.ReadFrames(new float[8]));
        Assert.Equal(0, reader.ReadFrames(new float[8]));
    }

    [Fact]
    public void A_destination_smaller_than_one_frame_is_rejected()
    {
        using var reader = new RawPcmReader(new MemoryStream(new byte[64]), new PcmFormat(16_000, 2, SampleEncoding.Int16), "stdin");

        Assert.Throws<ArgumentException>(() => reader.ReadFrames(new float[1]));
    }

    [Fact]
    public async Task Async_reads_match_and_honour_cancellation()
    {
        var format = new PcmFormat(16_000, 1, SampleEncoding.Int16);
        short[] samples = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        using var reader = new RawPcmReader(new NonSeekableStream(new MemoryStream(Int16Samples(samples))), format, "stdin");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader.ReadFramesAsync(new float[4], cancelled.Token).AsTask());

        var all = new List<float>();
        var buffer = new float[4];
        int frames;
        while ((frames = await reader.ReadFramesAsync(buffer, TestContext.Current.CancellationToken)) > 0)
            all.AddRange(buffer.AsSpan(0, frames));
        Assert.Equal(samples.Select(s => s / 32_768f), all);
    }

    [Fact]
    public void Dispose_leaves_the_stream_open_only_when_asked()
    {
        var format = new PcmFormat(16_000, 1, SampleEncoding.Int16);
        var closed = new NonSeekableStream(new MemoryStream());
        var kept = new NonSeekableStream(new MemoryStream());

        new RawPcmReader(closed, format, "a").Dispose();
        new RawPcmReader(kept, format, "b", leaveOpen: true).Dispose();

        Assert.True(closed.IsDisposed);
        Assert.False(kept.IsDisposed);
    }
}
