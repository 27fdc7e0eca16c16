using System.Text.Json;
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
            // Long enough for the model to fill the 1,024 estimates the engine buffers for a subscriber even on a busy
            // machine (52 hops a second; unloaded it makes about 700). With 10 s the test failed once, the whole suite and a
            // soak test running beside it (the likely cause: nothing was lost).
            if (Interlocked.Increment(ref lines) == 1)
                Thread.Sleep(TimeSpan.FromSeconds(20));
            base.WriteLine(value);
        }
    }

    [Fact]
    public async Task Raw_pcm_options_are_not_held_against_a_wav_file()
    {
        string wav = Path.Combine(folder, "short.wav");
        using (var writer = WavWriter.Create(wav, new PcmFormat(16_000, 1, SampleEncoding.Int16)))
            writer.WriteFrames([.. Enumerable.Range(0, 16_000).Select(n => (float)(0.2 * Math.Sin(n * 0.05)))]);

        var result = await Pld.RunAsync("--threads", "1", "run", "--rate", "0", "--channels", "0", wav);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("4 estimates over 4 hops", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_slower_than_the_model_says_how_many_estimates_it_lost()
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

    [Fact]
    public async Task Each_label_change_and_alert_prints_right_after_the_estimate_that_confirmed_it()
    {
        // 40 s alternating every 2 s between quiet noise, a loud buzz and a low hum, so the default model changes its
        // label many times; alert on whatever the first change names, so alerts are raised too.
        string wav = Path.Combine(folder, "changes.wav");
        var random = new Random(11);
        float Sample(int n) => (n / 32_000 % 3) switch
        {
            0 => (float)(0.01 * (random.NextDouble() - 0.5)),
            1 => (float)(0.6 * Math.Sign(Math.Sin(n * 0.12)) + 0.2 * (random.NextDouble() - 0.5)),
            _ => (float)(0.3 * Math.Sin(n * 0.02) * (1 + Math.Sin(n * 0.0004))),
        };
        using (var writer = WavWriter.Create(wav, new PcmFormat(16_000, 1, SampleEncoding.Int16)))
            writer.WriteFrames([.. Enumerable.Range(0, 40 * 16_000).Select(Sample)]);

        var lines = await RunJsonAsync("--hop", "50", "--json", wav);
        var changes = lines.Where(line => Type(line) == "label_change").ToList();
        Assert.True(changes.Count >= 3, $"the clip should change the label a few times; it changed it {changes.Count} times");
        string label = changes[0].GetProperty("to").GetString()!;
        lines = await RunJsonAsync("--hop", "50", "--json", "--alert", $"{label}:0.3:0.2", wav);

        Assert.Contains(lines, line => Type(line) == "alert");
        for (int i = 0; i < lines.Count; i++)
        {
            if (Type(lines[i]) == "estimate")
                continue;
            // The event's time is its estimate's audio end; the nearest estimate line above it must be that estimate.
            double at = lines[i].GetProperty("at_s").GetDouble();
            var previous = lines.Take(i).LastOrDefault(line => Type(line) == "estimate");
            Assert.True(previous.ValueKind == JsonValueKind.Object, $"line {i} ({Type(lines[i])} at {at} s) printed before any estimate");
            Assert.Equal(at, previous.GetProperty("audio_end_s").GetDouble());
        }
    }

    private static string? Type(JsonElement line) => line.GetProperty("type").GetString();

    private static async Task<List<JsonElement>> RunJsonAsync(params string[] args)
    {
        var result = await Pld.RunAsync(["--threads", "1", "run", .. args]);
        Assert.Equal(0, result.ExitCode);
        return [.. result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement)];
    }
}
