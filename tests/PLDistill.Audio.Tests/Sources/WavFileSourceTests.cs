using System.Diagnostics;
using PLDistill.Audio.Formats;
using PLDistill.Audio.Sources;
using PLDistill.Audio.Tests.TestSupport;

namespace PLDistill.Audio.Tests.Sources;

public sealed class WavFileSourceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wavfilesource-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WriteFile(string name, float[] interleaved, PcmFormat format)
    {
        string path = Path.Combine(_directory, name);
        using var writer = WavWriter.Create(path, format);
        writer.WriteFrames(interleaved);
        return path;
    }

    [Fact]
    public async Task Reads_the_file_it_was_opened_with()
    {
        var format = new PcmFormat(44_100, 2, SampleEncoding.Int16);
        float[] signal = TestAudio.Signal(10_000, 2);
        string path = WriteFile("stereo.wav", signal, format);

        await using var source = WavFileSource.Open(path, abandonReadsOn: TestContext.Current.CancellationToken);
        float[] read = await TestAudio.ReadAllAsync(source, 777, TestContext.Current.CancellationToken);

        Assert.Equal(path, source.Name);
        Assert.Equal(path, source.Path);
        Assert.Equal(format, source.Format);
        Assert.Equal(10_000L, source.Header.FrameCount);
        TestAudio.AssertClose(signal, read, TestAudio.Tolerance(SampleEncoding.Int16));
    }

    [Fact]
    public void A_missing_file_is_reported_with_its_path()
    {
        string path = Path.Combine(_directory, "missing.wav");

        var error = Assert.Throws<FileNotFoundException>(() => WavFileSource.Open(path, abandonReadsOn: TestContext.Current.CancellationToken));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_wav_is_reported_by_path_and_released()
    {
        string path = Path.Combine(_directory, "song.mp3");
        File.WriteAllBytes(path, [0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0, 0, 0]);

        var error = Assert.Throws<AudioFormatException>(() => WavFileSource.Open(path, abandonReadsOn: TestContext.Current.CancellationToken));

        Assert.Equal(AudioFormatProblem.NotWave, error.Problem);
        Assert.Equal(path, error.InputName);
        // The failed open must not keep the file handle: deleting it would fail on Windows, and on Linux
        // opening it exclusively would.
        using var exclusive = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
    }

    [Fact]
    public async Task A_cancelled_token_stops_the_read()
    {
        string path = WriteFile("mono.wav", new float[1_000], new PcmFormat(16_000, 1, SampleEncoding.Int16));
        await using var source = WavFileSource.Open(path, abandonReadsOn: TestContext.Current.CancellationToken);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => source.ReadAsync(new float[100], cancelled.Token).AsTask());
    }

    [Fact]
    public async Task With_a_clock_a_ten_second_file_takes_ten_seconds()
    {
        var format = new PcmFormat(8_000, 1, SampleEncoding.Int16);
        string path = WriteFile("ten-seconds.wav", new float[80_000], format);
        var clock = new AutoAdvancingTimeProvider();

        await using var source = WavFileSource.Open(path, clock, TestContext.Current.CancellationToken);
        float[] read = await TestAudio.ReadAllAsync(source, 1_600, TestContext.Current.CancellationToken);

        Assert.Equal(80_000, read.Length);
        // Every read waits for its audio to have "played", so the fake clock ends at the file's duration
        // (timers count whole milliseconds, hence the small allowance below).
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(9.95), TimeSpan.FromSeconds(10.001));
        Assert.True(clock.TimersCreated > 1);
    }

    [Fact]
    public async Task Without_a_clock_reading_is_not_paced()
    {
        string path = WriteFile("long.wav", new float[16_000 * 60], new PcmFormat(16_000, 1, SampleEncoding.Int16));
        var stopwatch = Stopwatch.StartNew();

        await using var source = WavFileSource.Open(path, abandonReadsOn: TestContext.Current.CancellationToken);
        float[] read = await TestAudio.ReadAllAsync(source, 4_096, TestContext.Current.CancellationToken);

        Assert.Equal(16_000 * 60, read.Length);
        // A minute of audio; paced it would take 60 s.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task With_the_system_clock_reading_takes_at_least_the_audio_duration()
    {
        string path = WriteFile("short.wav", new float[4_800], new PcmFormat(16_000, 1, SampleEncoding.Int16));
        var stopwatch = Stopwatch.StartNew();

        await using var source = WavFileSource.Open(path, TimeProvider.System, TestContext.Current.CancellationToken);
        await TestAudio.ReadAllAsync(source, 800, TestContext.Current.CancellationToken);

        // 4800 frames at 16 kHz are 300 ms; allow for timer granularity on the early side.
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(280), $"took only {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Cancelling_a_paced_read_while_it_waits_for_the_clock_loses_no_audio()
    {
        // A ramp, so every sample says where it was. The first read takes 8,000 frames (0.5 s) and waits for them to have
        // been played; Ctrl+C 100 ms in must not throw the read frames away.
        float[] ramp = [.. Enumerable.Range(0, 16_000).Select(n => n / 32_768f)];
        string path = WriteFile("ramp.wav", ramp, new PcmFormat(16_000, 1, SampleEncoding.Int16));
        await using var source = WavFileSource.Open(path, TimeProvider.System, TestContext.Current.CancellationToken);
        var first = new float[8_000];
        using var ctrlC = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        int read = await source.ReadAsync(first, ctrlC.Token);
        var next = new float[10];
        int more = await source.ReadAsync(next, TestContext.Current.CancellationToken);

        Assert.Equal(8_000, read);
        Assert.Equal(ramp[7_999], first[7_999]);
        Assert.Equal(10, more);
        Assert.Equal(ramp[8_000], next[0]);   // the read after goes on where the cancelled one stopped
    }
}
