using System.Buffers.Binary;
using PLDistill.Audio.Formats;
using PLDistill.Audio.Sources;
using PLDistill.Audio.Tests.TestSupport;
using static PLDistill.Audio.Tests.TestSupport.WavBytes;

namespace PLDistill.Audio.Tests.Sources;

public class PipedAudioSourceTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A WAV as arecord or sox write it to a pipe: both sizes are streaming placeholders.</summary>
    private static byte[] StreamingWav(float[] signal, PcmFormat format)
    {
        byte[] file = TestAudio.WriteWav(signal, format);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), 0xFFFF_FFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(40), 0x7FFF_FFFF);
        return file;
    }

    [Theory]
    [InlineData(7)] // reads of 1 to 7 bytes, as pipes deliver them
    [InlineData(1)] // the worst pipe: one byte per read
    public async Task A_WAV_stream_is_read_by_its_header(int maxChunk)
    {
        var format = new PcmFormat(44_100, 2, SampleEncoding.Int16);
        float[] signal = TestAudio.Signal(1_500, 2);
        byte[] wav = StreamingWav(signal, format);

        await using var source = PipedAudioSource.Open(new NonSeekableStream(new MemoryStream(wav), maxChunk: maxChunk));
        float[] read = await TestAudio.ReadAllAsync(source, 301, Token);
        await using var direct = WavStreamSource.Open(new MemoryStream(wav), "direct");
        float[] expected = await TestAudio.ReadAllAsync(direct, 4_096, Token);

        Assert.True(source.IsWav);
        Assert.Null(source.Header!.DataLength);
        Assert.Equal("stdin", source.Name);
        Assert.Equal(format, source.Format);
        // The sniffed bytes were replayed: exactly what a WAV reader gets from the untouched bytes.
        Assert.Equal(expected, read);
        TestAudio.AssertClose(signal, read, TestAudio.Tolerance(SampleEncoding.Int16));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(1)]
    public async Task Headerless_bytes_are_raw_PCM_in_the_format_given(int maxChunk)
    {
        var format = new PcmFormat(48_000, 2, SampleEncoding.Float32);
        float[] signal = TestAudio.Signal(1_000, 2);

        await using var source = PipedAudioSource.Open(
            new NonSeekableStream(new MemoryStream(Float32Samples(signal)), maxChunk: maxChunk), "pipe", format);
        float[] read = await TestAudio.ReadAllAsync(source, 256, Token);

        Assert.False(source.IsWav);
        Assert.Null(source.Header);
        Assert.Equal("pipe", source.Name);
        Assert.Equal(format, source.Format);
        Assert.Equal(signal, read);
    }

    [Fact]
    public async Task Raw_PCM_defaults_to_what_arecord_writes()
    {
        short[] samples = [0, 16_384, -16_384, 32_767, -32_768, 1];

        await using var source = PipedAudioSource.Open(new NonSeekableStream(new MemoryStream(Int16Samples(samples))));
        float[] read = await TestAudio.ReadAllAsync(source, 4, Token);

        Assert.Equal(new PcmFormat(16_000, 1, SampleEncoding.Int16), PipedAudioSource.DefaultRawFormat);
        Assert.Equal(PipedAudioSource.DefaultRawFormat, source.Format);
        Assert.Equal(samples.Select(s => s / 32_768f), read);
    }

    [Fact]
    public async Task A_WAV_header_overrides_the_raw_format()
    {
        var wavFormat = new PcmFormat(8_000, 1, SampleEncoding.UInt8);
        byte[] wav = StreamingWav(new float[100], wavFormat);

        await using var source = PipedAudioSource.Open(new MemoryStream(wav), rawFormat: new PcmFormat(48_000, 2, SampleEncoding.Float32));
        float[] read = await TestAudio.ReadAllAsync(source, 64, Token);

        Assert.Equal(wavFormat, source.Format);
        Assert.Equal(new float[100], read);
    }

    [Fact]
    public async Task Empty_input_is_a_clean_end_of_audio()
    {
        await using var source = PipedAudioSource.Open(new NonSeekableStream(new MemoryStream()));

        int frames = await source.ReadAsync(new float[64], Token);

        Assert.Equal(0, frames);
        Assert.False(source.IsWav);
        Assert.Equal(PipedAudioSource.DefaultRawFormat, source.Format);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(11)]
    public async Task A_few_bytes_that_are_not_RIFF_are_raw_PCM_of_that_length(int length)
    {
        byte[] bytes = [.. Enumerable.Range(0, length).Select(i => (byte)(0x10 + i))];

        await using var source = PipedAudioSource.Open(new NonSeekableStream(new MemoryStream(bytes), maxChunk: 1));
        float[] read = await TestAudio.ReadAllAsync(source, 16, Token);

        // Whole 16-bit samples only; an odd trailing byte is a partial frame and is dropped.
        float[] expected = [.. Enumerable.Range(0, length / 2)
            .Select(i => BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(2 * i)) / 32_768f)];
        Assert.False(source.IsWav);
        Assert.Equal(expected, read);
    }

    [Fact]
    public void A_cut_short_RIFF_header_is_a_truncated_WAV_not_raw_noise()
    {
        byte[] start = [.. "RIFF"u8, 0xFF, 0xFF];

        var error = Assert.Throws<AudioFormatException>(() => PipedAudioSource.Open(new NonSeekableStream(new MemoryStream(start))));

        Assert.Equal(AudioFormatProblem.Truncated, error.Problem);
        Assert.Equal("stdin", error.InputName);
    }

    [Fact]
    public void A_RIFF_file_that_is_not_WAVE_is_reported_as_such()
    {
        byte[] avi = Concat([.. "RIFF"u8], [100, 0, 0, 0], [.. "AVI "u8], new byte[20]);

        var error = Assert.Throws<AudioFormatException>(() => PipedAudioSource.Open(new MemoryStream(avi), "clip"));

        Assert.Equal(AudioFormatProblem.NotWave, error.Problem);
        Assert.Contains("AVI", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disposing_closes_the_stream_unless_asked_to_leave_it_open()
    {
        byte[] wav = StreamingWav(new float[10], new PcmFormat(16_000, 1, SampleEncoding.Int16));
        var keptWav = new NonSeekableStream(new MemoryStream(wav));
        var closedWav = new NonSeekableStream(new MemoryStream(wav));
        var keptRaw = new NonSeekableStream(new MemoryStream(new byte[20]));
        var closedRaw = new NonSeekableStream(new MemoryStream(new byte[20]));

        await PipedAudioSource.Open(keptWav, leaveOpen: true).DisposeAsync();
        await PipedAudioSource.Open(closedWav).DisposeAsync();
        await PipedAudioSource.Open(keptRaw, leaveOpen: true).DisposeAsync();
        await PipedAudioSource.Open(closedRaw).DisposeAsync();

        Assert.False(keptWav.IsDisposed);
        Assert.True(closedWav.IsDisposed);
        Assert.False(keptRaw.IsDisposed);
        Assert.True(closedRaw.IsDisposed);
    }

    [Fact]
    public void A_failed_open_closes_the_stream_unless_asked_to_leave_it_open()
    {
        byte[] notWave = [.. "RIFF"u8, 4, 0, 0, 0, .. "AVI "u8];
        var kept = new NonSeekableStream(new MemoryStream(notWave));
        var closed = new NonSeekableStream(new MemoryStream(notWave));

        Assert.Throws<AudioFormatException>(() => PipedAudioSource.Open(kept, leaveOpen: true));
        Assert.Throws<AudioFormatException>(() => PipedAudioSource.Open(closed));

        Assert.False(kept.IsDisposed);
        Assert.True(closed.IsDisposed);
    }

    [Fact]
    public async Task Pacing_holds_piped_audio_to_real_time()
    {
        var clock = new AutoAdvancingTimeProvider();
        byte[] wav = StreamingWav(new float[16_000], new PcmFormat(16_000, 1, SampleEncoding.Int16));

        await using var source = PipedAudioSource.Open(new MemoryStream(wav), realTimeClock: clock);
        float[] read = await TestAudio.ReadAllAsync(source, 800, Token);

        Assert.Equal(16_000, read.Length);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.95), TimeSpan.FromSeconds(1.001));
    }
}
