namespace PLDistill.Cli.Tests.TestSupport;

/// <summary>What one run of the <c>pld</c> command line printed and returned.</summary>
internal sealed record PldResult(int ExitCode, string Output, string Error);

/// <summary>Runs the real <c>pld</c> command line in this process, with its console captured.</summary>
internal static class Pld
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    public static Task<PldResult> RunAsync(params string[] args) => RunAsync(new StringWriter(), args);

    /// <summary>Runs with <paramref name="capturedOutput"/> as stdout (e.g. a slow one); its text is the result's output.</summary>
    public static async Task<PldResult> RunAsync(StringWriter capturedOutput, params string[] args)
    {
        await OneAtATime.WaitAsync(TestContext.Current.CancellationToken);
        var (output, error) = (Console.Out, Console.Error);
        using var capturedError = new StringWriter();
        try
        {
            Console.SetOut(capturedOutput);
            Console.SetError(capturedError);
            int code = await CliErrors.RunAsync(PldCommand.Create(), args);
            return new PldResult(code, capturedOutput.ToString(), capturedError.ToString());
        }
        finally
        {
            Console.SetOut(output);
            Console.SetError(error);
            capturedOutput.Dispose();
            OneAtATime.Release();
        }
    }
}
