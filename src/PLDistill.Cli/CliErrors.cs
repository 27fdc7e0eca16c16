using System.CommandLine;
using PLDistill.Audio.Data;
using PLDistill.Audio.Formats;
using PLDistill.Distillation.Data.TextTeacher;
using PLDistill.Audio.Sources;
using PLDistill.Streaming.Engine;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Runtime;
using PLDistill.Models.Text;

namespace PLDistill.Cli;

/// <summary>Turns the errors users can cause into one clear line on stderr and a distinct exit code; no stack traces.</summary>
internal static class CliErrors
{
    public const int BadInput = 2;
    public const int RuntimeProblem = 3;

    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        try
        {
            var parse = root.Parse(args);
            // A bad option is bad input like any other: one line and 2, not a page of help (pld COMMAND --help has that).
            if (parse.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?"))
                return Fail(BadInput, $"{string.Join("; ", parse.Errors.Select(e => e.Message))} ({CommandPath(parse)} --help lists the options)");
            // Our handlers below print one clear line; System.CommandLine's default handler would print a stack trace.
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = TerminationGrace(parse),
            });
        }
        catch (AudioFormatException e)
        {
            return Fail(BadInput, e.Message);
        }
        catch (ArgumentException e)
        {
            return Fail(BadInput, Plain(e));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or FormatException or InvalidDataException
                                       or UnauthorizedAccessException)   // a folder given as a file, a file one may not read
        {
            return Fail(BadInput, e.Message);
        }
        catch (OutputClosedException)
        {
            return StandardOutput.ClosedExitCode;   // the reader went away (| head): nothing to say, and nowhere to say it on stdout
        }
        catch (IOException e)
        {
            return Fail(BadInput, e.Message);   // an output that cannot be written: a folder in the way, a full disk
        }
        catch (Exception e) when (e is AudioSourceException or StreamingEngineException)
        {
            return Fail(BadInput, e.Message);
        }
        catch (CheckpointException e)
        {
            return Fail(BadInput, e.Message);
        }
        catch (Exception e) when (e is TextModelFileException or TextTeacherOutputsException or PairedCorpusException)
        {
            return Fail(BadInput, e.Message);
        }
        catch (TorchRuntimeException e)
        {
            return Fail(RuntimeProblem, e.Message);
        }
        catch (System.Runtime.InteropServices.ExternalException e)
        {
            // libtorch's own errors (out of memory for an oversized model, a device fault): its first line says what.
            return Fail(RuntimeProblem, $"libtorch: {e.Message.Split('\n')[0].Trim()}");
        }
        catch (System.Text.Json.JsonException e)
        {
            return Fail(BadInput, $"a JSON file is damaged: {e.Message}");
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }

    // How long a command may take to finish after Ctrl+C or SIGTERM before System.CommandLine gives up on it and exits
    // (its default is 2 s). pld serve drains open streams for up to limits.shutdown_drain_seconds (at most 600 s), which
    // bounds its own shutdown; the others end their audio and print what is left, which takes well under 10 s.
    private static TimeSpan TerminationGrace(ParseResult parse) =>
        parse.CommandResult.Command.Name == "serve" ? TimeSpan.FromSeconds(630) : TimeSpan.FromSeconds(10);

    // The command line up to the command parsed, e.g. "pld client stream".
    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
            names.Insert(0, result.Command.Name);
        return string.Join(' ', names.Prepend("pld"));
    }

    // An ArgumentException's message without the " (Parameter 'x')" .NET appends, and on one line.
    private static string Plain(ArgumentException e)
    {
        string message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
        return string.Join("; ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"pld: error: {message}");
        return code;
    }
}
