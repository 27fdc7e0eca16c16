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

    /// <summary>Skips the test where perl's JSON::PP, which the table tools read records with, is missing.</summary>
    private static void SkipWithoutPerlJson(string tool)
    {
        if (Run("perl", "-MJSON::PP", "-e", "1").ExitCode != 0)
            Assert.Skip($"perl with JSON::PP (Debian: perl) is not installed; {tool} needs it");
    }

    /// <summary>What tools/results-table.sh prints from the committed records in <paramref name="runs"/>.</summary>
    private static string PrintResultsTable(string runs, string teacher, string rows)
    {
        SkipWithoutPerlJson("results-table.sh");
        var (exitCode, output) = Run("bash", "tools/results-table.sh", "--runs", runs, "--table-only", "--teacher", teacher, "--rows", rows);
        Assert.True(exitCode == 0, output);
        return output;
    }

    [Fact]
    public void The_results_table_prints_a_rows_figures_from_its_committed_records()
    {
        string output = PrintResultsTable("bench/results/born-again-gen2", "bench/results/born-again-gen2/teacher/teacher.pldens", "born-again-gen2-student");
        // The row the README quotes: mean ± sample std of the three seeds' best-epoch scores in the run folders.
        Assert.Contains("| PL-Distill from the second-generation born-again teacher, 60 epochs | 42, 43, 44 | 63.8 ± 0.7 | 62.2 ± 1.0 | 62.4 ± 0.8 | 60.7 ± 0.9 | 64.3 ± 2.5 |", output);
        Assert.Contains("| teacher: ensemble of 7 members |", output);
    }

    [Fact]
    public void The_results_table_prints_the_60_epoch_feature_rows_from_their_committed_records()
    {
        string output = PrintResultsTable("bench/results/born-again-7-60-epochs", "bench/results/born-again-7/teacher/teacher.pldens",
            "born-again-7-student-60-epochs born-again-7-student-fitnets-60-epochs");
        // The rows the README compares under the default's recipe: PL-Distill 4 points above FitNets.
        Assert.Contains("| PL-Distill from the seven-member born-again teacher, 60 epochs | 42, 43, 44 | 65.4 ± 0.4 | 63.8 ± 0.5 |", output);
        Assert.Contains("| FitNets from the seven-member born-again teacher, 60 epochs | 42, 43, 44 | 61.5 ± 0.2 | 59.8 ± 1.0 | 59.5 ± 1.5 | 55.6 ± 0.6 | 60.4 ± 5.7 |", output);
    }

    [Fact]
    public void The_folds_tool_prints_the_kd_rows_over_folds_from_their_committed_records()
    {
        SkipWithoutPerlJson("folds-kd.sh");
        var (exitCode, output) = Run("bash", "tools/folds-kd.sh", "--runs", "bench/results/folds-kd", "--table-only");
        Assert.True(exitCode == 0, output);
        // The rows the README and bench/results/folds-kd quote: each fold's best epoch, then mean ± sample std over folds.
        Assert.Contains("| 3 (09–12) | 47.7 | 45.2 | 46.5 | 46.5 | 49.2 | 45.3 | 51.2 | 49.6 | 47.3 |", output);
        Assert.Contains("| PL-Distill (LDist + AwCKA) | 1, 2, 3, 4, 5 | 51.8 ± 5.0 | 52.2 ± 4.7 | 50.5 ± 5.0 | 49.0 ± 3.0 | 63.8 ± 7.7 |", output);
        Assert.Contains("| FitNets | 1, 2, 3, 4, 5 | 54.4 ± 5.0 | 54.5 ± 4.9 | 53.4 ± 4.7 | 49.0 ± 1.9 | 65.8 ± 6.3 |", output);
        Assert.Contains("| logits-only KD | 1, 2, 3, 4, 5 | 49.2 ± 4.9 | 49.5 ± 4.7 | 47.8 ± 4.6 | 46.2 ± 5.3 | 61.3 ± 5.5 |", output);
        Assert.Contains("| LDist (audio + text positions) | 1, 2, 3, 4, 5 | 48.7 ± 3.3 | 49.1 ± 3.0 | 47.3 ± 3.2 | 47.3 ± 3.2 | 63.4 ± 2.7 |", output);
        Assert.Contains("| PDist, AwCKA | 1, 2, 3, 4, 5 | 51.9 ± 3.7 | 52.7 ± 2.8 | 50.3 ± 4.2 | 49.1 ± 3.2 | 65.9 ± 3.3 |", output);
        Assert.Contains("| student without KD | 1, 2, 3, 4, 5 | 46.5 ± 3.0 | 46.8 ± 2.9 |", output);   // from bench/results/folds
    }

    [Fact]
    public void The_folds_tool_refuses_a_bad_argument_by_name()
    {
        var (exitCode, output) = Run("bash", "tools/folds-kd.sh", "--jobs", "0");
        Assert.Equal(2, exitCode);
        Assert.Contains("--jobs must be a positive integer, not '0'", output);
    }

    [Fact]
    public void The_shared_train_helper_names_a_fold_run_as_pld_does_and_passes_the_fold_on()
    {
        // `train` skips finished runs by folder name, so it must predict the folder pld makes: NAME-fold-K-sSEED
        // (TrainingConfig.UseActorFold, then --seed). pld_command is printf here: this checks the helper, not pld.
        string runs = Directory.CreateTempSubdirectory("pld-train-helper-").FullName;
        try
        {
            var (exitCode, output) = Run("bash", "-c",
                "set -euo pipefail; PROG=t; die() { echo \"$*\" >&2; exit 2; }; runs=$1 threads=1 epochs=''; " +
                "pld_command=(printf '%s\\n'); source tools/lib/training-runs.sh; " +
                "train distill configs/student-ldist.yaml 42 --fold 3 --teacher T.pldens", "bash", runs);
            Assert.True(exitCode == 0, output);
            string log = Path.Combine(runs, "student-ldist-fold-3-s42.log");
            Assert.True(File.Exists(log), $"no {log}: {output}");
            string[] arguments = File.ReadAllLines(log);
            Assert.Equal(["--fold", "3", "--teacher", "T.pldens"], arguments[^4..]);
            Assert.Contains("--seed", arguments);
        }
        finally
        {
            Directory.Delete(runs, recursive: true);
        }
    }

    [Fact]
    public void The_results_table_prints_the_100_epoch_row_from_its_committed_records()
    {
        string output = PrintResultsTable("bench/results/born-again-7-100-epochs", "bench/results/born-again-7/teacher/teacher.pldens", "born-again-7-student-100-epochs");
        // The row the README and bench/results/born-again-7-100-epochs quote.
        Assert.Contains("| PL-Distill from the seven-member born-again teacher, 100 epochs | 42, 43, 44 | 64.3 ± 0.2 | 63.3 ± 0.4 | 63.3 ± 0.5 | 58.2 ± 1.4 | 64.6 ± 0.5 |", output);
    }

    [Fact]
    public void The_results_table_prints_the_dropout_row_from_its_committed_records()
    {
        string output = PrintResultsTable("bench/results/dropout-0.2", "bench/results/born-again-7/teacher/teacher.pldens", "born-again-7-student-60-epochs-dropout-0.2");
        // The row the README and bench/results/dropout-0.2 quote.
        Assert.Contains("| PL-Distill from the seven-member born-again teacher, 60 epochs, dropout 0.2 | 42, 43, 44 | 64.0 ± 0.5 | 62.4 ± 1.0 | 62.7 ± 1.3 | 59.6 ± 1.9 | 62.8 ± 3.3 |", output);
    }

    [Fact]
    public void The_pad_table_prints_mean_and_sample_std_over_seeds_from_the_run_records()
    {
        SkipWithoutPerlJson("pad-table.sh");
        // Records as pld pad and pld slu write them, for two seeds; with every record present the script trains
        // nothing and only prints.
        string runs = Directory.CreateTempSubdirectory("pld-pad-table-").FullName;
        try
        {
            static string Retrieval(double r1, double r5, double rank) => $"{{\"RecallAt1\":{r1},\"RecallAt5\":{r5},\"MedianRank\":{rank}}}";
            foreach (int seed in new[] { 1, 2 })
            {
                File.WriteAllText(Path.Combine(runs, $"none-s{seed}.slu.json"),
                    $"{{\"result\":{{\"test_seen_accuracy\":{0.2 * seed},\"test_unseen_accuracy\":0.1}}}}");
                foreach (string row in new[] { "plain-global", "plain-local", "glob", "tlocal", "slocal" })
                {
                    Directory.CreateDirectory(Path.Combine(runs, $"{row}-s{seed}"));
                    File.WriteAllText(Path.Combine(runs, $"{row}-s{seed}", "pad.json"),
                        $"{{\"retrieval_before\":{Retrieval(0.005, 0.04, 70)},\"retrieval_after\":{Retrieval(0.01 * (2 * seed - 1), 0.05, 30 + seed)}}}");
                    File.WriteAllText(Path.Combine(runs, $"{row}-s{seed}.slu.json"),
                        $"{{\"result\":{{\"test_seen_accuracy\":0.3,\"test_unseen_accuracy\":{0.1 * seed}}}}}");
                }
            }

            var (exitCode, output) = Run("bash", "tools/pad-table.sh", "--paired", runs, "--text-outputs", runs, "--intents", runs,
                "--runs", runs, "--seeds", "1 2");

            Assert.True(exitCode == 0, output);
            // R@1 1 and 3 %: mean 2.0, sample std 1.4; median ranks 31 and 32; unseen 10 and 20 %.
            Assert.Contains("| PAD-Glob | 2.0 ± 1.4 | 5.0 ± 0.0 | 31.5 ± 0.7 | 30.0 ± 0.0 | 15.0 ± 7.1 |", output);
            // The unaligned student's retrieval is the "before" of the glob runs; its seen accuracy 20 and 40 %.
            Assert.Contains("| no alignment | 0.5 ± 0.0 | 4.0 ± 0.0 | 70.0 ± 0.0 | 30.0 ± 14.1 | 10.0 ± 0.0 |", output);
            Assert.Contains("2 seed(s): 1, 2.", output);
        }
        finally
        {
            Directory.Delete(runs, recursive: true);
        }
    }
}
