using System.Diagnostics;
using System.Runtime.Versioning;

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
