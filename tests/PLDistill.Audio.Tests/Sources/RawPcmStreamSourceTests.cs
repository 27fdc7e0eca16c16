using PLDistill.Audio.Formats;
using PLDistill.Audio.Sources;
using PLDistill.Audio.Tests.TestSupport;
using static PLDistill.Audio.Tests.TestSupport.WavBytes;

namespace PLDistill.Audio.Tests.Sources;

public class RawPcmStreamSourceTests
{
    [Fact]
    public async Task Reads_raw_S16_LE_like_arecord_writes_it()
    {
        short[] samples = [0, 8_192, -8_192, 32_767, -32_768, 3, 4, 5];
        var format = new PcmFormat(16_000, 2, SampleEncoding.Int16);

        await using var source = new RawPcmStreamSource(new NonSeekableStream(new MemoryStream(Int16Samples(samples))), format, "stdin");
        float[] read = await TestAudio.ReadAllAsync(source, 3, TestContext.Current.CancellationToken);

        Assert.Equal("stdin", source.Name);
        Assert.Equal(format, source.Format);
        Assert.Equal(samples.Select(s => s / 32_768f), read);
    }

    [Fact]
    public async Task A_cancelled_token_stops_the_read()
    {
        var format = new PcmFormat(16_000, 1, SampleEncoding.Int16);
        await using var source = new RawPcmStreamSource(new MemoryStream(new byte[100]), format, "stdin");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => source.ReadAsync(new float[10], cancelled.Token).AsTask());
    }

    [Fact]
    public async Task Pacing_holds_raw_audio_to_real_time()
    {
        var format = new PcmFormat(16_000, 1, SampleEncoding.Float32);
        var clock = new AutoAdvancingTimeProvider();

        await using var source = new RawPcmStreamSource(
            new MemoryStream(Float32Samples(new float[32_000])), format, "file.raw", realTimeClock: clock);
        float[] read = await TestAudio.ReadAllAsync(source, 1_000, TestContext.Current.CancellationToken);

        Assert.Equal(32_000, read.Length);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.95), TimeSpan.FromSeconds(2.001));
    }
}
