using System.CommandLine;
using PLDistill.Cli.Commands;

namespace PLDistill.Cli;

/// <summary>The <c>pld</c> command line: every command and the global options.</summary>
internal static class PldCommand
{
    public static RootCommand Create() => new("pld: real-time speech emotion recognition with PL-Distill students")
    {
        CommonOptions.Device,
        CommonOptions.LibTorch,
        CommonOptions.Threads,
        InfoCommand.Create(),
        TrainCommand.Create("train-teacher", "Train a teacher audio-language model from a YAML config", "teacher"),
        TrainCommand.Create("distill", "Train a streaming student, with or without distillation, from a YAML config", "student"),
        EvalCommand.Create(),
        ExportCommand.Create(),
        EnsembleCommand.Create(),
        TextTeacherCommand.Create(),
        PadCommand.Create(),
        SluCommand.Create(),
        DemoCommand.Create(),
        RunCommand.Create(),
        ServeCommand.Create(),
        ClientCommand.Create(),
    };
}
