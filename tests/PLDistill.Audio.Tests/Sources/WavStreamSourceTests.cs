using System.Buffers.Binary;
using PLDistill.Audio.Formats;
using PLDistill.Audio.Sources;
using PLDistill.Audio.Tests.TestSupport;

namespace PLDistill.Audio.Tests.Sources;

public class WavStreamSourceTests
{
    [Fact]
    public async Task Reads_a_streaming_wav_from_a_pipe()
    {
        var format = new PcmFormat(16_000, 1, SampleEncoding.Int16);
        float[] signal = TestAudio.Signal(2_000, 1);
        byte[] file = TestAudio.WriteWav(signal, format);
        // What sox or arecord write to stdout: sizes unknown.
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), 0xFFFF_FFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(40), 0x7FFF_FFFF);

        await using var source = WavStreamSource.Open(new NonSeekableStream(new MemoryStream(file)), "stdin");
        float[] read = await TestAudio.ReadAllAsync(source, 300, TestContext.Current.CancellationToken);

        Assert.Equal("stdin", source.Name);
        Assert.Equal(format, source.Format);
        Assert.Null(source.Header.DataLength);
        TestAudio.AssertClose(signal, read, TestAudio.Tolerance(SampleEncoding.Int16));
    }

    [Fact]
    public async Task Malformed_data_surfaces_as_AudioFormatException_from_ReadAsync()
    {
        byte[] file = TestAudio.WriteWav(new float[1_000], new PcmFormat(16_000, 1, SampleEncoding.Int16));
        byte[] cut = file[..(file.Length - 100)]; // the data chunk still declares 2000 bytes

        await using var source = WavStreamSource.Open(new NonSeekableStream(new MemoryStream(cut)), "stdin");

        var error = await Assert.ThrowsAsync<AudioFormatException>(() =>
            TestAudio.ReadAllAsync(source, 256, TestContext.Current.CancellationToken));
        Assert.Equal(AudioFormatProblem.Truncated, error.Problem);
        Assert.Contains("data ended after 1900 of 2000 declared bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disposing_leaves_the_stream_open_when_asked()
    {
        byte[] file = TestAudio.WriteWav(new float[10], new PcmFormat(16_000, 1, SampleEncoding.Int16));
        var kept = new NonSeekableStream(new MemoryStream(file));
        var closed = new NonSeekableStream(new MemoryStream(file));

        await WavStreamSource.Open(kept, "kept", leaveOpen: true).DisposeAsync();
        await WavStreamSource.Open(closed, "closed").DisposeAsync();

        Assert.False(kept.IsDisposed);
        Assert.True(closed.IsDisposed);
    }
}
