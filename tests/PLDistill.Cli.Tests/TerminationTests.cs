using System.Diagnostics;
using System.Runtime.Versioning;
using PLDistill.Audio.Formats;

namespace PLDistill.Cli.Tests;

/// <summary>
/// The real <c>pld</c> program in a process of its own, stopped the way a service manager or a terminal stops it
/// (SIGTERM here: an ignored SIGINT would be inherited from a test host started in the background, SIGTERM never is).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class TerminationTests
{
    [Fact]
    public async Task Stopping_pld_run_on_a_silent_stdin_ends_the_stream_cleanly_and_prints_its_summary()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Skip("sends POSIX signals");
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "pld"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in (string[])["--threads", "1", "run", "-"])
            start.ArgumentList.Add(argument);
        using var pld = Process.Start(start)!;
        using var killOnFailure = new KillOnDispose(pld);
        var errors = pld.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        // One second of raw 16 kHz silence, then the sender goes quiet but keeps the pipe open, as a paused recorder does.
        await pld.StandardInput.BaseStream.WriteAsync(new byte[32_000], TestContext.Current.CancellationToken);
        await pld.StandardInput.BaseStream.FlushAsync(TestContext.Current.CancellationToken);
        // Stopped only once the second has been estimated: pld then waits on stdin, where a read ignores cancellation.
        var printed = new List<string>();
        using (var loading = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            loading.CancelAfter(TimeSpan.FromSeconds(120));
            while (await pld.StandardOutput.ReadLineAsync(loading.Token) is { } line)
            {
                printed.Add(line);
                if (line.TrimStart().StartsWith("1.00", StringComparison.Ordinal))
                    break;
            }
        }
        Assert.True(!pld.HasExited, $"pld ended (exit {(pld.HasExited ? pld.ExitCode : 0)}) before it was stopped: {string.Join('\n', printed)}");
        var rest = pld.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);

        var stopwatch = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", pld.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        await pld.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        Assert.True(pld.ExitCode == 0, $"exit {pld.ExitCode}: {await errors}");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {stopwatch.Elapsed}");
        Assert.Contains("estimates over 4 hops", await rest, StringComparison.Ordinal);   // the summary line
    }

    [Fact]
    public async Task A_wav_redirected_from_a_file_or_piped_with_lossless_keeps_every_hop()
    {
        // Four seconds of speech-like audio, faster than real time: a pipe is taken as live (a backlog is coalesced), but
        // stdin redirected from a file holds all its audio already, and --lossless says a pipe does too.
        if (!OperatingSystem.IsLinux())
            Assert.Skip("redirects stdin with bash");
        string wav = SpeechlikeWav("pld-stdin-", seconds: 4, seed: 3);
        string pld = Path.Combine(AppContext.BaseDirectory, "pld");
        try
        {
            foreach (string shell in (string[])[$"exec '{pld}' --threads 1 run - < '{wav}'", $"cat '{wav}' | '{pld}' --threads 1 run --lossless -"])
            {
                var (exitCode, output, errors) = await BashAsync(shell, TimeSpan.FromSeconds(120));

                Assert.True(exitCode == 0, $"{shell}: exit {exitCode}: {errors}");
                Assert.Contains("16 estimates over 16 hops; dropped 0, coalesced 0", output, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(wav)!, recursive: true);
        }
    }

    [Fact]
    public async Task A_closed_output_pipe_stops_pld_run_and_its_audio_with_exit_141()
    {
        // Thirty seconds of audio at real-time pace into `| head -4`: once head has its lines and goes, pld must stop
        // reading (for a microphone: stop recording) and exit as a program killed by SIGPIPE would, not play on.
        if (!OperatingSystem.IsLinux())
            Assert.Skip("pipes through bash");
        string wav = SpeechlikeWav("pld-pipe-", seconds: 30, seed: 5);
        string pld = Path.Combine(AppContext.BaseDirectory, "pld");
        try
        {
            string shell = $"'{pld}' --threads 1 run '{wav}' --realtime | head -4; echo \"pld exit ${{PIPESTATUS[0]}}\" >&2";
            var stopwatch = Stopwatch.StartNew();
            var (_, output, errors) = await BashAsync(shell, TimeSpan.FromSeconds(60));

            Assert.Equal(4, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Contains("pld exit 141", errors, StringComparison.Ordinal);
            Assert.DoesNotContain("pld: error", errors, StringComparison.Ordinal);
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"pld played on for {stopwatch.Elapsed} after head had gone: {errors}");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(wav)!, recursive: true);
        }
    }

    // Runs a bash command line to its end (at most `limit`): its exit code, stdout and stderr.
    private static async Task<(int ExitCode, string Output, string Errors)> BashAsync(string commandLine, TimeSpan limit)
    {
        using var run = Process.Start(new ProcessStartInfo("bash", ["-c", commandLine]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        using var killOnFailure = new KillOnDispose(run);
        var errors = run.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        string output = await run.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await run.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(limit, TestContext.Current.CancellationToken);
        return (run.ExitCode, output, await errors);
    }

    // A 16 kHz speech-like WAV in a temporary folder of its own (the caller deletes the folder).
    private static string SpeechlikeWav(string folderPrefix, int seconds, int seed)
    {
        string wav = Path.Combine(Directory.CreateTempSubdirectory(folderPrefix).FullName, "speech.wav");
        var random = new Random(seed);
        using var writer = WavWriter.Create(wav, new PcmFormat(16_000, 1, SampleEncoding.Int16));
        writer.WriteFrames([.. Enumerable.Range(0, seconds * 16_000).Select(n => (float)(0.2 * Math.Sin(n * 0.05) + 0.05 * (random.NextDouble() - 0.5)))]);
        return wav;
    }

    // A test that fails half-way must not leave a pld waiting on stdin behind it.
    private sealed class KillOnDispose(Process process) : IDisposable
    {
        public void Dispose()
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
    }
}
