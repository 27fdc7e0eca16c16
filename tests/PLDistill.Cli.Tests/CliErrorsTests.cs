using PLDistill.Cli.Tests.TestSupport;

namespace PLDistill.Cli.Tests;

/// <summary>The README's promise: input a user got wrong prints one line, <c>pld: error: ...</c>, and exits with 2.</summary>
public sealed class CliErrorsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("pld-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData("--threads 0 info", "--threads 0: use 1..")]
    [InlineData("--threads 100000 info", "--threads 100000: use 1..")]
    [InlineData("--device gpu info", "--device 'gpu': use cpu, cuda or auto")]
    [InlineData("demo --clips 0", "--clips 0: use 1..240")]
    [InlineData("eval --checkpoint default --batch abc", "Cannot parse argument 'abc' for option '--batch'")]
    [InlineData("bogus", "Unrecognized command or argument 'bogus'")]
    [InlineData("run --alert angry:0.6:Infinity -", "--alert 'angry:0.6:Infinity': use LABEL:P:SECONDS")]
    [InlineData("run --alert angry:0.5:1e-300 -", "--alert 'angry:0.5:1e-300': use LABEL:P:SECONDS with 0 < P <= 1 and 0.01 <= SECONDS")]
    [InlineData("run --rate 0 -", "--rate 0: use 8000..192000 Hz (the sample rate of raw PCM on stdin)")]
    [InlineData("run --mode bogus mic", "--mode 'bogus': use incremental or recompute")]   // before a recorder starts (or stdin is read)
    [InlineData("demo --checkpoint teacher --clips 1", "is an ensemble manifest (a teacher); this command runs one student checkpoint")]
    [InlineData("export --checkpoint default --output exported.pldens", ".pldens is an ensemble manifest's extension; export writes one checkpoint")]
    [InlineData("ensemble --output joined.pldens member.pldckpt other.pldens", "other.pldens is an ensemble manifest; give its member checkpoints")]
    [InlineData("client list --server http://192.0.2.10:50051 --key k", "the API key would cross the network in cleartext")]
    [InlineData("client list --server ftp://127.0.0.1:1 --key k", "--server 'ftp://127.0.0.1:1': use http://HOST:PORT or https://HOST:PORT")]
    public async Task A_bad_option_is_one_line_and_exit_2(string commandLine, string expected)
    {
        var result = await Pld.RunAsync(commandLine.Split(' '));

        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("pld: error: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter '", line, StringComparison.Ordinal);
        Assert.Equal("", result.Output);
    }

    [Fact]
    public async Task A_teacher_for_a_config_that_distils_nothing_is_refused_before_any_work()
    {
        string config = Path.Combine(folder, "plain.yaml");
        File.WriteAllText(config, $"name: plain\nrole: student\nmethod: none\noutput: {Path.Combine(folder, "runs")}\n");

        var result = await Pld.RunAsync("--threads", "1", "distill", "--config", config, "--teacher", Path.Combine(folder, "missing.pldens"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--teacher is given but", result.Error, StringComparison.Ordinal);
        Assert.Contains("(method: none)", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(folder, "runs")));
    }

    [Fact]
    public async Task An_unreadable_trusted_certificate_is_named_not_a_crash()
    {
        string junk = Path.Combine(folder, "ca.pem");
        File.WriteAllBytes(junk, [1, 2, 3, 4, 5]);

        var result = await Pld.RunAsync("client", "list", "--server", "https://127.0.0.1:1", "--key", "k", "--ca", junk);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"pld: error: --ca {junk}: not a PEM or DER certificate", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_output_in_the_way_is_named_and_nothing_half_written_is_left()
    {
        string taken = Directory.CreateDirectory(Path.Combine(folder, "student.pldckpt")).FullName;
        string underAFile = Path.Combine(folder, "notes.txt");
        File.WriteAllText(underAFile, "");

        var onFolder = await Pld.RunAsync("--threads", "1", "export", "--checkpoint", "default", "--output", taken);
        var underFile = await Pld.RunAsync("--threads", "1", "export", "--checkpoint", "default", "--output", Path.Combine(underAFile, "x.pldckpt"));

        Assert.Equal(2, onFolder.ExitCode);
        Assert.Contains($"{taken} is a folder", onFolder.Error, StringComparison.Ordinal);
        Assert.Equal(2, underFile.ExitCode);
        Assert.Contains(Path.Combine(underAFile, "x.pldckpt"), underFile.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder, "*.tmp", SearchOption.AllDirectories));
    }
}
