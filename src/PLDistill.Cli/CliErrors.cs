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
            // Our handlers below print one clear line; System.CommandLine's default handler would print a stack trace.
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (AudioFormatException e)
        {
            return Fail(BadInput, e.Message);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or ArgumentException or FormatException or InvalidDataException
                                       or UnauthorizedAccessException)   // a folder given as a file, a file one may not read
        {
            return Fail(BadInput, e.Message);
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
        catch (OperationCanceledException)
        {
            return 130;
        }
    }

    private static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"pld: error: {message}");
        return code;
    }
}
