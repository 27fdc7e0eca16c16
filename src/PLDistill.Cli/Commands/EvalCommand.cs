using System.CommandLine;
using System.Text.Json;
using PLDistill.Audio.Data;
using PLDistill.Distillation.Data;
using PLDistill.Distillation.Evaluation;
using PLDistill.Models.Checkpoints;
using TorchSharp;
using Spectre.Console;

namespace PLDistill.Cli.Commands;

/// <summary><c>pld eval</c>: score a checkpoint on every RAVDESS-named WAV under a folder.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var checkpointOption = new Option<string>("--checkpoint") { Description = "checkpoint file or ensemble manifest (.pldens), 'default' for the shipped student or 'teacher' for the shipped teacher", Required = true };
        var dataOption = new Option<string>("--data") { Description = "folder searched recursively for RAVDESS-named WAV files", Required = true };
        var labelsOption = new Option<string?>("--labels") { Description = "8 or 4 (the 4-class view: only neutral, happy, sad and angry clips, each predicted as the likeliest of those four); default: the checkpoint's" };
        var jsonOption = new Option<bool>("--json") { Description = "print one JSON object: wa, ua, macro_f1, n, labels, confusion" };
        var batchOption = new Option<int>("--batch") { Description = "clips per forward pass", DefaultValueFactory = _ => 32 };
        var windowsOption = new Option<int?>("--windows") { Description = "score each clip by the mean class probabilities of its streaming windows (the checkpoint's window length), one every HOP milliseconds; default: one pass over the whole clip", HelpName = "HOP" };
        var precisionOption = CommonOptions.CreatePrecision();
        var command = new Command("eval", "Evaluate a checkpoint: WA, UA, macro-F1 and the confusion matrix") { checkpointOption, dataOption, labelsOption, jsonOption, batchOption, windowsOption, precisionOption };
        command.SetAction(parse =>
        {
            if (parse.GetValue(batchOption) < 1)
                throw new ArgumentException($"--batch {parse.GetValue(batchOption)}: give at least 1 clip per forward pass");
            var runtime = CommonOptions.InitializeTorch(parse);
            string path = DefaultModel.Resolve(parse.GetValue(checkpointOption)!);
            var (model, metadata) = TeacherFile.Load(path);   // a checkpoint, or an ensemble teacher's manifest
            using var loaded = model.To(runtime.Device).Eval().UsePrecision(parse.GetValue(precisionOption));
            var labels = EmotionLabelSet.Parse(parse.GetValue(labelsOption) ?? metadata.LabelSet);
            var trainedFor = EmotionLabelSet.Parse(metadata.LabelSet);
            if (labels.Words.Except(trainedFor.Words).ToArray() is { Length: > 0 } unlearnt)   // 8-way on 4 is a view; 4-way on 8 is not
                throw new ArgumentException($"--labels {labels.Name}: {path} was trained for {trainedFor.Name} and never learnt " +
                                            $"{string.Join(", ", unlearnt)}; score it with --labels {trainedFor.Name}");
            var corpus = RavdessCorpus.Scan(parse.GetValue(dataOption)!);
            var pooling = parse.GetValue(windowsOption) is int hopMilliseconds ? Pooling(hopMilliseconds, metadata, model.Config.Encoder.Subsampling) : null;
            var clips = EvaluationClips.Build(corpus, labels, metadata.Features);
            if (clips.Skipped is string skipped)
                Console.Error.WriteLine($"pld: {skipped}");   // stderr: --json's stdout is one JSON object
            int[] trainedOn = TrainingActors.Of(metadata) is { } taught ? [.. clips.Clips.Select(c => c.Source.Actor).Where(taught.Contains)] : [];
            if (trainedOn.Length > 0)
                Console.Error.WriteLine($"pld: note: {trainedOn.Length} of the {clips.Clips.Count} clips are of actors this model was trained on " +
                                        $"({TrainingActors.Describe(trainedOn.Distinct())}): their scores are not held-out");
            var metrics = Evaluator.Evaluate(model, clips.Clips, labels, runtime.Device, parse.GetValue(batchOption), pooling);

            if (parse.GetValue(jsonOption))
            {
                Console.WriteLine(JsonSerializer.Serialize(metrics));
                return 0;
            }
            AnsiConsole.MarkupLine($"{Markup.Escape(path)} on {metrics.Count} clips ({labels.Name}): WA [bold]{metrics.WeightedAccuracy:P1}[/]  UA [bold]{metrics.UnweightedAccuracy:P1}[/]  macro-F1 [bold]{metrics.MacroF1:P1}[/]");
            var table = new Table().AddColumn("true \\ predicted");
            foreach (string label in metrics.Labels) table.AddColumn(label);
            for (int r = 0; r < metrics.Labels.Count; r++)
                table.AddRow([metrics.Labels[r], .. metrics.Confusion[r].Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    /// <summary>Windows of the checkpoint's streaming length, one every <paramref name="hopMilliseconds"/>, starting on audio-token boundaries.</summary>
    private static WindowPooling Pooling(int hopMilliseconds, CheckpointMetadata metadata, int subsampling)
    {
        double framesPerSecond = metadata.Features.FramesPerSecond;
        int hopFrames = (int)Math.Round(hopMilliseconds / 1000.0 * framesPerSecond);
        if (hopFrames < 1)
            throw new ArgumentException($"--windows {hopMilliseconds}: the hop must be at least one feature frame ({1000 / framesPerSecond:F0} ms)");
        return new WindowPooling((int)Math.Round(metadata.Streaming.WindowSeconds * framesPerSecond), hopFrames, subsampling);
    }
}
