using System.Runtime.Versioning;
using PLDistill.Audio.Formats;
using PLDistill.Audio.Sources;
using PLDistill.Audio.Tests.TestSupport;
using static PLDistill.Audio.Tests.TestSupport.WavBytes;

namespace PLDistill.Audio.Tests.Sources;

[Collection(ChildProcessCollection.Name)]
public sealed class AudioSourcesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("audiosources-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static Func<Stream> Stdin(byte[] bytes) => () => new NonSeekableStream(new MemoryStream(bytes));

    private static Stream NoStdin() => throw new InvalidOperationException("stdin must not be opened");

    [Fact]
    public async Task A_dash_reads_stdin_and_sniffs_what_it_is()
    {
        byte[] wav = TestAudio.WriteWav([0.25f, -0.25f], new PcmFormat(8_000, 1, SampleEncoding.Int16));
        short[] raw = [16_384, -16_384, 8_192];

        await using var wavSource = AudioSources.Open("-", null, null, null, Stdin(wav), TestContext.Current.CancellationToken);
        await using var rawSource = AudioSources.Open("-", null, new PcmFormat(22_050, 1, SampleEncoding.Int16), null, Stdin(Int16Samples(raw)), TestContext.Current.CancellationToken);

        var piped = Assert.IsType<PipedAudioSource>(wavSource);
        Assert.True(piped.IsWav);
        Assert.Equal("stdin", wavSource.Name);
        Assert.Equal(new float[] { 0.25f, -0.25f }, await TestAudio.ReadAllAsync(wavSource, 16, Token));
        Assert.Equal(new PcmFormat(22_050, 1, SampleEncoding.Int16), rawSource.Format);
        Assert.Equal(new float[] { 0.5f, -0.5f, 0.25f }, await TestAudio.ReadAllAsync(rawSource, 16, Token));
    }

    [Fact]
    public async Task Ctrl_C_ends_a_wait_on_stdin_before_its_first_bytes_and_between_them()
    {
        // stdin here is a real pipe, whose reads (like Console's) ignore cancellation once begun.
        using var silentPipe = new OsPipe();
        using var ctrlCBeforeAudio = new CancellationTokenSource();
        var opening = Task.Run(() => AudioSources.Open("-", null, null, null, () => silentPipe.ReadEnd, ctrlCBeforeAudio.Token), Token);
        await Task.Delay(100, Token);
        Assert.False(opening.IsCompleted);

        ctrlCBeforeAudio.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => opening.WaitAsync(TimeSpan.FromSeconds(5), Token));

        using var pausedPipe = new OsPipe();
        using var ctrlC = new CancellationTokenSource();
        pausedPipe.Write(Int16Samples([16_384, -16_384, 8_192, 0, 0, 0, 0, 0]));   // 16 bytes, then the sender pauses
        await using var source = AudioSources.Open("-", null, null, null, () => pausedPipe.ReadEnd, ctrlC.Token);

        float[] samples = await ReadThenCtrlCEndsTheWaitAsync(source, 8, ctrlC);   // the sniffed bytes come first, in a short read

        Assert.Equal(new float[] { 0.5f, -0.5f, 0.25f }, samples[..3]);
    }

    /// <summary>Reads the <paramref name="frames"/> that arrived, then checks that a read waiting for more ends when Ctrl+C fires.</summary>
    private static async Task<float[]> ReadThenCtrlCEndsTheWaitAsync(IAudioSource source, int frames, CancellationTokenSource ctrlC)
    {
        var samples = new float[64];
        int read = 0;
        while (read < frames)
            read += await source.ReadAsync(samples.AsMemory(read), Token);
        var waiting = source.ReadAsync(samples.AsMemory(read), ctrlC.Token).AsTask();
        await Task.Delay(100, Token);
        Assert.False(waiting.IsCompleted);

        ctrlC.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5), Token));
        return samples;
    }

    [Fact]
    public async Task Ctrl_C_ends_a_wait_on_a_named_pipe_given_as_a_path()
    {
        // Every wait below is bounded (WaitAsync), so a regression fails the test rather than hanging it.
        // `pld run /tmp/fifo`, /dev/stdin or <(…): a path whose reads, like stdin's, ignore their token once begun.
        string fifo = Path.Combine(_directory, "live.wav");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
            await mkfifo.WaitForExitAsync(Token);
        byte[] wav = TestAudio.WriteWav([0.5f, -0.5f, 0.25f, 0f], new PcmFormat(16_000, 1, SampleEncoding.Int16));
        WriteUnknownLengths(wav);
        // The sender writes the header and four samples, then pauses with the pipe open (opening blocks until we read).
        var writerOpened = Task.Run(() =>
        {
            var stream = new FileStream(fifo, FileMode.Open, FileAccess.Write);
            stream.Write(wav);
            stream.Flush();
            return stream;
        }, Token);
        using var ctrlC = new CancellationTokenSource();
        await using var source = await Task.Run(() => AudioSources.Open(fifo, null, null, null, NoStdin, ctrlC.Token), Token)
            .WaitAsync(TimeSpan.FromSeconds(10), Token);
        await using var writer = await writerOpened.WaitAsync(TimeSpan.FromSeconds(10), Token);

        float[] samples = await ReadThenCtrlCEndsTheWaitAsync(source, 4, ctrlC);

        Assert.Equal(new float[] { 0.5f, -0.5f, 0.25f, 0f }, samples[..4]);
    }

    [Fact]
    public async Task Ctrl_C_ends_the_wait_to_open_a_named_pipe_no_writer_has_opened_and_releases_the_open()
    {
        // `pld run /tmp/fifo` before anything writes to it: the open itself waits (in the kernel) for a writer.
        string fifo = Path.Combine(_directory, "nobody-writes.wav");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
            await mkfifo.WaitForExitAsync(Token);
        using var ctrlC = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var opening = Task.Run(() => AudioSources.Open(fifo, null, null, null, NoStdin, ctrlC.Token), Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => opening.WaitAsync(TimeSpan.FromSeconds(5), Token));
        // The abandoned open was released: no reader holds the pipe, so a writer opening it now waits for one (the
        // non-blocking open of a FIFO for writing fails with ENXIO exactly then; `timeout` stands in for it).
        await Task.Delay(300, Token);
        using var probe = System.Diagnostics.Process.Start("timeout", ["0.5", "sh", "-c", $"exec 3>'{fifo}'"])!;
        await probe.WaitForExitAsync(Token).WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Equal(124, probe.ExitCode);   // timed out waiting for a reader: none is left behind
    }

    // A live writer's header: RIFF and data sizes are the streaming placeholder, since it cannot know the length.
    private static void WriteUnknownLengths(byte[] wav)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(4), 0xFFFF_FFFF);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(40), 0xFFFF_FFFF);
    }

    [Fact]
    public async Task A_path_opens_the_WAV_file()
    {
        string path = Path.Combine(_directory, "clip.wav");
        File.WriteAllBytes(path, TestAudio.WriteWav([0.5f, 0.5f, -0.5f, -0.5f], new PcmFormat(16_000, 2, SampleEncoding.Int16)));

        await using var source = AudioSources.Open(path, null, null, null, NoStdin, TestContext.Current.CancellationToken);

        var file = Assert.IsType<WavFileSource>(source);
        Assert.Equal(path, file.Path);
        Assert.Equal(new float[] { 0.5f, 0.5f, -0.5f, -0.5f }, await TestAudio.ReadAllAsync(source, 16, Token));
    }

    [Fact]
    public async Task A_path_is_paced_by_the_clock_given()
    {
        string path = Path.Combine(_directory, "second.wav");
        File.WriteAllBytes(path, TestAudio.WriteWav(new float[16_000], new PcmFormat(16_000, 1, SampleEncoding.Int16)));
        var clock = new AutoAdvancingTimeProvider();

        await using var source = AudioSources.Open(path, clock, null, null, NoStdin, TestContext.Current.CancellationToken);
        await TestAudio.ReadAllAsync(source, 1_600, Token);

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.95), TimeSpan.FromSeconds(1.001));
    }

    [Theory]
    [InlineData("missing.wav")]
    [InlineData("no-such-dir/missing.wav")]
    public void A_missing_file_is_a_FileNotFoundException_naming_it(string relative)
    {
        string path = Path.Combine(_directory, relative);

        var error = Assert.Throws<FileNotFoundException>(() => AudioSources.Open(path, null, null, null, NoStdin, TestContext.Current.CancellationToken));

        Assert.Equal(path, error.FileName);
        Assert.StartsWith(path + ": no such file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_is_refused_as_a_folder_not_as_a_permission_error()
    {
        var error = Assert.Throws<ArgumentException>(() => AudioSources.Open(_directory, null, null, null, NoStdin, TestContext.Current.CancellationToken));
        Assert.StartsWith(_directory + " is a folder; give a WAV file", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mic:")]
    [InlineData("mic: ")]
    public void Mic_with_an_empty_device_is_rejected(string spec)
    {
        var error = Assert.Throws<ArgumentException>(() => AudioSources.Open(spec, null, null, null, NoStdin, TestContext.Current.CancellationToken));

        Assert.Contains("names no device", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_spec_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => AudioSources.Open("", null, null, null, NoStdin, TestContext.Current.CancellationToken));
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task Mic_opens_the_microphone_with_the_device_after_the_colon()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Skip("the fake recorder is a /bin/sh script: Linux only");
        using var fakes = new FakeRecorder();
        string script = fakes.ScriptRecordingArguments("head -c 64 /dev/zero");
        var template = new AlsaMicrophoneOptions { Executable = script, SampleRate = 8_000 };

        await using (var source = AudioSources.Open("mic:hw:1,0", null, null, template, NoStdin, TestContext.Current.CancellationToken))
        {
            var mic = Assert.IsType<AlsaMicrophoneSource>(source);
            Assert.Equal("mic:hw:1,0", mic.Name);
            Assert.Equal("hw:1,0", mic.Options.Device);
            Assert.Equal(32, (await TestAudio.ReadAllAsync(source, 100, Token)).Length);
        }
        string[] deviceArguments = File.ReadAllLines(fakes.ArgumentsFile);
        await using (var source = AudioSources.Open("mic", null, null, template, NoStdin, TestContext.Current.CancellationToken))
        {
            Assert.Equal("mic:default", source.Name);
            Assert.Equal(new PcmFormat(8_000, 1, SampleEncoding.Int16), source.Format);
            await TestAudio.ReadAllAsync(source, 100, Token);
        }
        string[] defaultArguments = File.ReadAllLines(fakes.ArgumentsFile);

        Assert.Equal(["-D", "hw:1,0"], deviceArguments[^2..]);
        Assert.DoesNotContain("-D", defaultArguments);
        Assert.Equal("8000", defaultArguments[Array.IndexOf(defaultArguments, "-r") + 1]);
    }
}
