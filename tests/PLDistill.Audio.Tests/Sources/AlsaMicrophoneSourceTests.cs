using System.Diagnostics;
using System.Runtime.Versioning;
using PLDistill.Audio.Sources;
using PLDistill.Audio.Tests.TestSupport;

namespace PLDistill.Audio.Tests.Sources;

/// <summary>
/// The microphone source against fake recorders (shell scripts taking arecord's arguments), and against the real
/// arecord's null device where alsa-utils is installed.
/// </summary>
[Collection(ChildProcessCollection.Name)]
[SupportedOSPlatform("linux")]
public sealed class AlsaMicrophoneSourceTests : IDisposable
{
    private const string OpenError = "arecord: main:831: audio open error: No such file or directory";

    private readonly FakeRecorder _fakes;

    public AlsaMicrophoneSourceTests()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Skip("the fake recorders are /bin/sh scripts and process checks read /proc: Linux only");
        _fakes = new FakeRecorder();
    }

    public void Dispose() => _fakes.Dispose();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void Arecord_is_asked_for_quiet_raw_S16_LE_at_the_rate_and_channels_wanted()
    {
        string[] defaults = [.. AlsaMicrophoneSource.Arguments(new AlsaMicrophoneOptions())];
        string[] chosen = [.. AlsaMicrophoneSource.Arguments(new AlsaMicrophoneOptions { Device = "plughw:CARD=Mic", SampleRate = 48_000, Channels = 2 })];

        Assert.Equal(["-q", "-t", "raw", "-f", "S16_LE", "-r", "16000", "-c", "1"], defaults);
        Assert.Equal(["-q", "-t", "raw", "-f", "S16_LE", "-r", "48000", "-c", "2", "-D", "plughw:CARD=Mic"], chosen);
    }

    [Fact]
    public void A_missing_arecord_is_a_clear_AudioSourceException()
    {
        var options = new AlsaMicrophoneOptions { Executable = "pld-no-such-recorder-" + Guid.NewGuid().ToString("N") };

        var error = Assert.Throws<AudioSourceException>(() => AlsaMicrophoneSource.Open(options));

        Assert.Equal("mic:default", error.SourceName);
        Assert.Contains(options.Executable, error.Message, StringComparison.Ordinal);
        Assert.Contains("arecord", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt install alsa-utils", error.Message, StringComparison.Ordinal);
        Assert.Contains("pld run -", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_recorder_that_fails_surfaces_its_error_from_ReadAsync()
    {
        string script = _fakes.Script($"echo \"{OpenError}\" >&2; exit 1");

        await using var source = AlsaMicrophoneSource.Open(new AlsaMicrophoneOptions { Executable = script, Device = "hw:9" });
        var error = await Assert.ThrowsAsync<AudioSourceException>(() => source.ReadAsync(new float[1_600], Token).AsTask());

        Assert.Equal("mic:hw:9", error.SourceName);
        Assert.Equal(1, error.ExitCode);
        Assert.Equal(OpenError, error.ErrorOutput);
        Assert.Contains(OpenError, error.Message, StringComparison.Ordinal);
        Assert.Contains("exited with code 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("arecord -l", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_recorder_that_fails_silently_still_fails_loudly()
    {
        string script = _fakes.Script("head -c 6400 /dev/zero; exit 3");

        await using var source = AlsaMicrophoneSource.Open(new AlsaMicrophoneOptions { Executable = script });
        var buffer = new float[16_000];
        int frames = 0;
        var error = await Assert.ThrowsAsync<AudioSourceException>(async () =>
        {
            // The audio written before the failure arrives first.
            while (true)
                frames += await source.ReadAsync(buffer, Token);
        });

        Assert.Equal(3_200, frames);
        Assert.Equal(3, error.ExitCode);
        Assert.Equal("", error.ErrorOutput);
        Assert.Contains("exited with code 3 without an error message", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_recorder_killed_by_Ctrl_C_just_before_the_read_is_cancelled_is_not_a_failure()
    {
        // The terminal's SIGINT reaches arecord too, which exits with 1 before our handler cancels the read.
        string script = _fakes.Script("exit 1");
        await using var source = AlsaMicrophoneSource.Open(new AlsaMicrophoneOptions { Executable = script });
        using var ctrlC = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var read = source.ReadAsync(new float[1_600], ctrlC.Token).AsTask();
        await FakeRecorder.EventuallyAsync(() => FakeRecorder.ProcessState(source.ProcessId) is null or 'Z', TimeSpan.FromSeconds(5));

        ctrlC.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }

    [Fact]
    public async Task Disposing_closes_the_recorders_pipes_in_this_process()
    {
        string script = _fakes.Script("exec sleep 1000");
        await using var source = AlsaMicrophoneSource.Open(new AlsaMicrophoneOptions { Executable = script });
        string[] recorderPipes = [.. new[] { 1, 2 }.Select(fd => FakeRecorder.FileDescriptorTarget(source.ProcessId, fd))];
        Assert.All(recorderPipes, target => Assert.StartsWith("pipe:", target, StringComparison.Ordinal));
        Assert.All(recorderPipes, target => Assert.Contains(target, FakeRecorder.OwnFileDescriptorTargets()));

        await source.DisposeAsync();

        var open = FakeRecorder.OwnFileDescriptorTargets();
        Assert.All(recorderPipes, target => Assert.DoesNotContain(target, open));
    }

    [Fact]
    public async Task Recorded_samples_come_through_and_a_clean_exit_ends_the_audio()
    {
        // 0x4000 = 0.5, 0xC000 = -0.5, then a second of silence.
        string script = _fakes.ScriptRecordingArguments(@"printf '\000\100\000\300'; head -c 32000 /dev/zero; exit 0");
        var options = new AlsaMicrophoneOptions { Executable = script, Device = "null", SampleRate = 16_000 };

        await using var source = AlsaMicrophoneSource.Open(options);
        float[] read = await TestAudio.ReadAllAsync(source, 1_000, Token);
        int afterEnd = await source.ReadAsync(new float[10], Token);

        Assert.Equal("mic:null", source.Name);
        Assert.Equal(options.Format, source.Format);
        Assert.Equal(2 + 16_000, read.Length);
        Assert.Equal([0.5f, -0.5f], read[..2]);
        Assert.All(read[2..], s => Assert.Equal(0f, s));
        Assert.Equal(0, afterEnd);
        Assert.Equal(AlsaMicrophoneSource.Arguments(options), File.ReadAllLines(_fakes.ArgumentsFile));
    }

    [Fact]
    public async Task Disposing_kills_a_recorder_that_would_run_forever()
    {
        string script = _fakes.Script("exec sleep 1000");
        // Disposed explicitly below; await using also cleans up when an assertion fails first.
        await using var source = AlsaMicrophoneSource.Open(new AlsaMicrophoneOptions { Executable = script });
        int pid = source.ProcessId;
        Assert.NotNull(FakeRecorder.ProcessState(pid));

        var stopwatch = Stopwatch.StartNew();
        await source.DisposeAsync();
        stopwatch.Stop();

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"dispose took {stopwatch.Elapsed}");
        // Killed and reaped: not even a zombie is left.
        Assert.Null(FakeRecorder.ProcessState(pid));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => source.ReadAsync(new float[10], Token).AsTask());
        await source.DisposeAsync(); // a second dispose is harmless
    }

    [Fact]
    public async Task Disposing_kills_what_the_recorder_started_too()
    {
        string childPidFile = Path.Combine(_fakes.Directory, "child.pid");
        // Not exec: the shell stays as the recorder, with sleep as its child.
        string script = _fakes.Script($"sleep 1000 &\necho $! > '{childPidFile}'\nwait");
        // Disposed explicitly below; await using also cleans up when an assertion fails first.
        await using var source = AlsaMicrophoneSource.Open(new AlsaMicrophoneOptions { Executable = script });
        Assert.True(await FakeRecorder.EventuallyAsync(
            () => File.Exists(childPidFile) && File.ReadAllText(childPidFile).EndsWith('\n'), TimeSpan.FromSeconds(10)));
        int child = int.Parse(File.ReadAllText(childPidFile), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(FakeRecorder.ProcessState(child) is not (null or 'Z'), "the recorder's child should be running");

        await source.DisposeAsync();

        Assert.Null(FakeRecorder.ProcessState(source.ProcessId));
        // The orphaned child is reaped by init, not by us, so allow it a moment and accept a zombie: it no longer runs.
        Assert.True(await FakeRecorder.EventuallyAsync(
            () => FakeRecorder.ProcessState(child) is null or 'Z', TimeSpan.FromSeconds(5)),
            $"sleep {child} is still {FakeRecorder.ProcessState(child)}");
    }

    [Fact]
    public async Task Disposing_while_a_read_waits_ends_that_read()
    {
        string script = _fakes.Script("exec sleep 1000");
        // Disposed explicitly below; await using also cleans up when an assertion fails first.
        await using var source = AlsaMicrophoneSource.Open(new AlsaMicrophoneOptions { Executable = script });
        var buffer = new float[1_600];
        Task<int> waiting = source.ReadAsync(buffer, Token).AsTask();
        await Task.Delay(100, Token);
        Assert.False(waiting.IsCompleted);

        await source.DisposeAsync();

        Assert.Equal(0, await waiting.WaitAsync(TimeSpan.FromSeconds(5), Token));
        Assert.Null(FakeRecorder.ProcessState(source.ProcessId));
    }

    [Fact]
    public async Task Cancelling_a_waiting_read_abandons_it()
    {
        string script = _fakes.Script("exec sleep 1000");
        await using var source = AlsaMicrophoneSource.Open(new AlsaMicrophoneOptions { Executable = script });
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(200));
        var stopwatch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => source.ReadAsync(new float[1_600], cancel.Token).AsTask());

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"cancellation took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task The_real_arecord_records_from_the_null_device()
    {
        if (FindOnPath("arecord") is null)
            Assert.Skip("arecord (alsa-utils) is not installed on this machine");

        await using var source = AlsaMicrophoneSource.Open(new AlsaMicrophoneOptions { Device = "null" });
        var buffer = new float[1_600];
        int frames = 0;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        // 300 ms of 16 kHz mono.
        while (frames < 4_800)
        {
            int got = await source.ReadAsync(buffer, timeout.Token);
            Assert.NotEqual(0, got);
            frames += got;
        }

        Assert.Equal("mic:null", source.Name);
        Assert.True(frames >= 4_800);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
