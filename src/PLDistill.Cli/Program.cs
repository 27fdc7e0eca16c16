using System.CommandLine;
using PLDistill.Cli.Commands;

var root = new RootCommand("pld: real-time speech emotion recognition with PL-Distill students")
{
    CommonOptions.Device,
    CommonOptions.LibTorch,
    CommonOptions.Threads,
    InfoCommand.Create(),
};
return await CliErrors.RunAsync(root, args);
