using System.CommandLine;
using PLDistill.Models.Checkpoints;

namespace PLDistill.Cli.Commands;

/// <summary><c>pld export</c>: rewrite a checkpoint, e.g. in half precision for shipping (the teacher fits in 17 MB).</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var checkpointOption = new Option<string>("--checkpoint") { Description = "checkpoint to read: a file, 'default' or 'teacher'", Required = true };
        var outputOption = new Option<string>("--output") { Description = "checkpoint file to write (never the input)", Required = true };
        var precisionOption = new Option<WeightPrecision>("--precision")
        {
            Description = "weights as Float16 (half the size; the loader restores fp32) or Float32",
            DefaultValueFactory = _ => WeightPrecision.Float16,
        };
        var command = new Command("export", "Rewrite a checkpoint with the same model and metadata, e.g. in half precision")
            { checkpointOption, outputOption, precisionOption };
        command.SetAction(parse =>
        {
            CommonOptions.InitializeTorch(parse);
            string input = Path.GetFullPath(DefaultModel.Resolve(parse.GetValue(checkpointOption)!));
            string output = Path.GetFullPath(parse.GetValue(outputOption)!);
            if (input == output)
                throw new ArgumentException($"--output must differ from the checkpoint read ({input})");
            if (TeacherFile.IsManifest(output))
                throw new ArgumentException($"--output {output}: {TeacherFile.ManifestExtension} is an ensemble manifest's extension; export writes one checkpoint (.pldckpt)");
            if (TeacherFile.IsManifest(input))
                throw new ArgumentException($"--checkpoint {input} is an ensemble manifest, not one checkpoint: export its members one by one, " +
                                            "or rewrite the whole ensemble with `pld ensemble --output DIR/NAME.pldens --precision P MEMBER...`");
            var (model, metadata) = CheckpointFile.Load(input);
            using (model)
                CheckpointFile.Save(output, model, metadata, parse.GetValue(precisionOption));
            Console.WriteLine($"{output}: {new FileInfo(output).Length / 1e6:F1} MB ({parse.GetValue(precisionOption)}), " +
                              $"{metadata.Role} from {input} ({new FileInfo(input).Length / 1e6:F1} MB)");
            return 0;
        });
        return command;
    }
}
