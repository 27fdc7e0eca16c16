using PLDistill.Audio.Formats;
using PLDistill.Cli.Tests.TestSupport;

namespace PLDistill.Cli.Tests;

public sealed class RunOutputTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("pld-run-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>Standard output whose reader stalls for 10 s at the first estimate, as a paused pipe reader does.</summary>
    private sealed class StallingOutput : StringWriter
    {
        private int lines;

        public override void WriteLine(string? value)
        {
            if (Interlocked.Increment(ref lines) == 1)
                Thread.Sleep(TimeSpan.FromSeconds(10));
            base.WriteLine(value);
        }
    }

    [Fact]
    public async Task Output_slower_than_the_model_says_how_many_lines_it_lost()
    {
        // 60 s at a 20 ms hop: 3,000 estimates, made while the output stalls.
        string wav = Path.Combine(folder, "speech.wav");
        var random = new Random(5);
        using (var writer = WavWriter.Create(wav, new PcmFormat(16_000, 1, SampleEncoding.Int16)))
            writer.WriteFrames([.. Enumerable.Range(0, 60 * 16_000).Select(n => (float)(0.2 * Math.Sin(n * 0.05) + 0.05 * (random.NextDouble() - 0.5)))]);

        var result = await Pld.RunAsync(new StallingOutput(), "--threads", "1", "run", "--hop", "20", "--json", wav);

        Assert.Equal(0, result.ExitCode);
        int printed = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(line => line.Contains("\"estimate\"", StringComparison.Ordinal));
        var summary = Assert.Single(result.Error.Split('\n'), line => line.Contains("estimates over", StringComparison.Ordinal));
        Assert.Contains("the output fell behind and lost", summary, StringComparison.Ordinal);
        Assert.True(printed < 3000, $"{printed} estimate lines printed");
    }
}
