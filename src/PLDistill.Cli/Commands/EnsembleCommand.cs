using System.CommandLine;
using PLDistill.Models.Checkpoints;

namespace PLDistill.Cli.Commands;

/// <summary>
/// <c>pld ensemble</c>: make an ensemble teacher from checkpoints. Each member is rewritten next to the manifest
/// (half precision by default, as the teacher is shipped), then the ensemble is loaded back to check it.
/// </summary>
internal static class EnsembleCommand
{
    public static Command Create()
    {
        var outputOption = new Option<string>("--output") { Description = "manifest to write, NAME.pldens; members go beside it as NAME-1.pldckpt, NAME-2.pldckpt, ...", Required = true };
        var precisionOption = new Option<WeightPrecision>("--precision")
        {
            Description = "member weights as Float16 (half the size; the loader restores fp32) or Float32",
            DefaultValueFactory = _ => WeightPrecision.Float16,
        };
        var membersArgument = new Argument<string[]>("members") { Description = "member checkpoints (.pldckpt)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("ensemble", "Make an ensemble teacher (a .pldens manifest and its members) from checkpoints")
            { outputOption, precisionOption, membersArgument };
        command.SetAction(parse =>
        {
            CommonOptions.InitializeTorch(parse);
            string manifest = Path.GetFullPath(parse.GetValue(outputOption)!);
            string folder = Path.GetDirectoryName(manifest)!;
            var files = TeacherFile.WriteEnsemble(manifest, parse.GetValue(membersArgument)!, parse.GetValue(precisionOption));
            var names = files.Members;
            var (teacher, shared) = TeacherFile.Load(manifest);   // members must agree: refuse now, not at distillation time
            using (teacher)
            {
                long bytes = names.Sum(n => new FileInfo(Path.Combine(folder, n)).Length);
                Console.WriteLine($"{manifest}: {names.Count} members, {teacher.ParameterCount:N0} parameters, {bytes / 1e6:F1} MB ({parse.GetValue(precisionOption)}), " +
                                  $"label set {shared.LabelSet}");
            }
            if (files.RemovedStaleMembers.Count > 0)
                Console.WriteLine($"removed {files.RemovedStaleMembers.Count} member files of the ensemble it replaced that it does not list: " +
                                  string.Join(", ", files.RemovedStaleMembers.Select(Path.GetFileName)));
            return 0;
        });
        return command;
    }
}
