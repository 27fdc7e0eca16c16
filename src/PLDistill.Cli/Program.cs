using System.CommandLine;
using PLDistill.Cli;
using PLDistill.Cli.Commands;

var root = new RootCommand("pld: real-time speech emotion recognition with PL-Distill students")
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
return await CliErrors.RunAsync(root, args);
