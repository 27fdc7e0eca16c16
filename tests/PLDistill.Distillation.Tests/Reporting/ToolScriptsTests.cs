using System.Diagnostics;

namespace PLDistill.Distillation.Tests.Reporting;

/// <summary>The shell tools under tools/ that reproduce the README's tables: they parse, and print from the committed records.</summary>
public sealed class ToolScriptsTests
{
    private static (int ExitCode, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryFolder.Root() };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} ran past 60 s");
        }
        return (process.ExitCode, output.Result + error.Result);
    }

    public static TheoryData<string> Scripts() =>
        [.. Directory.EnumerateFiles(Path.Combine(RepositoryFolder.Root(), "tools"), "*.sh", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(RepositoryFolder.Root(), path)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Every_tool_script_parses(string script)
    {
        var (exitCode, output) = Run("bash", "-n", script);
        Assert.True(exitCode == 0, $"bash -n {script}: {output}");
    }

    [Fact]
    public void The_results_table_prints_a_rows_figures_from_its_committed_records()
    {
        if (Run("perl", "-MJSON::PP", "-e", "1").ExitCode != 0)
            Assert.Skip("perl with JSON::PP (Debian: perl) is not installed; results-table.sh needs it");
        var (exitCode, output) = Run("bash", "tools/results-table.sh", "--runs", "bench/results/born-again-gen2", "--table-only",
            "--teacher", "bench/results/born-again-gen2/teacher/teacher.pldens", "--rows", "born-again-gen2-student");
        Assert.True(exitCode == 0, output);
        // The row the README quotes: mean ± sample std of the three seeds' best-epoch scores in the run folders.
        Assert.Contains("| PL-Distill from the second-generation born-again teacher, 60 epochs | 42, 43, 44 | 63.8 ± 0.7 | 62.2 ± 1.0 | 62.4 ± 0.8 | 60.7 ± 0.9 | 64.3 ± 2.5 |", output);
        Assert.Contains("| teacher: ensemble of 7 members |", output);
    }
}
