using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using PLDistill.Audio.Data;
using PLDistill.Distillation.Data.TextTeacher;
using PLDistill.Distillation.Losses.Pad;
using PLDistill.Distillation.Pad;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Cli.Commands;

/// <summary>
/// <c>pld pad</c>: align the speech student to the text teacher's outputs on a paired corpus with the PAD loss, and measure
/// speech → text retrieval on the test split before and after; <c>--evaluate-only</c> measures a checkpoint without training.
/// </summary>
internal static class PadCommand
{
    /// <summary>The aligned student, usable as <c>initialize:</c> of <c>pld distill</c>.</summary>
    public const string CheckpointFileName = "student.pldckpt";

    /// <summary>The PAD projection P (TorchSharp module state), for <c>--evaluate-only</c>.</summary>
    public const string ProjectionFileName = "pad-projection.bin";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var pairedOption = new Option<string>("--paired") { Description = "the paired corpus (folder or manifest.jsonl)", Required = true };
        var textOption = new Option<string>("--text-outputs") { Description = "the text teacher's outputs for the same ids (`pld text-teacher export`)", Required = true };
        var outputOption = new Option<string?>("--output") { Description = $"folder for {CheckpointFileName}, {ProjectionFileName} and pad.json (must be absent or empty; not with --evaluate-only)" };
        var variantOption = new Option<string>("--variant") { Description = "PAD term: global, token-local or span-local", DefaultValueFactory = _ => "global" };
        var noPriorsOption = new Option<bool>("--no-priors") { Description = "uniform weights and evenly spaced anchors instead of attention priors (the baselines)" };
        var epochsOption = new Option<int>("--epochs") { Description = "passes over the train split", DefaultValueFactory = _ => 3 };
        var seedOption = new Option<int>("--seed") { Description = "seed of the student (without --initialize), the projection and the batch order", DefaultValueFactory = _ => 1 };
        var batchOption = new Option<int>("--batch-size") { Description = "utterances per step", DefaultValueFactory = _ => 16 };
        var learningRateOption = new Option<double>("--learning-rate") { Description = "AdamW learning rate", DefaultValueFactory = _ => 3e-4 };
        var priorLayersOption = new Option<string>("--prior-layers") { Description = "attention layers averaged into the priors, comma-separated; negative counts from the end", DefaultValueFactory = _ => "0" };
        var anchorsOption = new Option<int>("--anchors") { Description = "anchor frames per clip (span-local)", DefaultValueFactory = _ => 8 };
        var widthsOption = new Option<string>("--span-widths") { Description = "span widths in encoder frames, comma-separated (span-local)", DefaultValueFactory = _ => "2,4,8" };
        var initializeOption = new Option<string?>("--initialize") { Description = "a student checkpoint to start from (default: a seeded random student)" };
        var projectionOption = new Option<string?>("--projection") { Description = $"with --evaluate-only: a saved PAD projection (default: {ProjectionFileName} next to the checkpoint, if any)" };
        var evaluateOnlyOption = new Option<bool>("--evaluate-only") { Description = "only measure the --initialize checkpoint: valid loss and test retrieval" };
        var configOption = new Option<string?>("--config") { Description = "a PAD config (configs/pad-*.yaml) with every run setting; only --seed and --epochs may then be given, and override it" };
        var command = new Command("pad", "Align the speech student to the text teacher with PAD on a paired corpus, and measure speech → text retrieval")
        {
            pairedOption, textOption, outputOption, variantOption, noPriorsOption, epochsOption, seedOption, batchOption, learningRateOption,
            priorLayersOption, anchorsOption, widthsOption, initializeOption, projectionOption, evaluateOnlyOption, configOption,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            bool evaluateOnly = parse.GetValue(evaluateOnlyOption);
            string? initialize = parse.GetValue(initializeOption);
            string? output = parse.GetValue(outputOption) is { } given ? Path.GetFullPath(given) : null;
            if (evaluateOnly && initialize is null)
                throw new ArgumentException("--evaluate-only needs --initialize CKPT, the student to measure");
            if (evaluateOnly && output is not null)
                throw new ArgumentException("--evaluate-only writes nothing; drop --output");
            if (!evaluateOnly)
                CommonOptions.RequireEmptyFolder(output ?? throw new ArgumentException("--output is required (a new or empty folder)"), "--output");
            if (!evaluateOnly && parse.GetValue(projectionOption) is not null)
                throw new ArgumentException("--projection is read only with --evaluate-only");
            int epochs = parse.GetValue(epochsOption);
            if (epochs is < 1 or > 1000)
                throw new ArgumentException($"--epochs must be 1 … 1000, got {epochs}");
            bool Given(Option option) => parse.GetResult(option) is { Implicit: false };
            PadTrainingOptions options;
            if (parse.GetValue(configOption) is { } config)
            {
                Option[] settings = [variantOption, noPriorsOption, priorLayersOption, anchorsOption, widthsOption, batchOption, learningRateOption];
                if (settings.FirstOrDefault(Given) is { } clash)
                    throw new ArgumentException($"{clash.Name} is set by --config {config}; edit the config or drop --config");
                var fromFile = PadConfigFile.Load(config);
                options = fromFile with
                {
                    Epochs = evaluateOnly ? 0 : Given(epochsOption) ? epochs : fromFile.Epochs,
                    Seed = Given(seedOption) ? parse.GetValue(seedOption) : fromFile.Seed,
                };
            }
            else
            {
                options = new PadTrainingOptions
                {
                    Loss = new PadOptions
                    {
                        Variant = ParseVariant(parse.GetValue(variantOption)!),
                        UsePriors = !parse.GetValue(noPriorsOption),
                        PriorLayers = ParseList(parse.GetValue(priorLayersOption)!, "--prior-layers"),
                        Anchors = parse.GetValue(anchorsOption),
                        SpanWidths = ParseList(parse.GetValue(widthsOption)!, "--span-widths"),
                    },
                    Epochs = evaluateOnly ? 0 : epochs,
                    Seed = parse.GetValue(seedOption),
                    BatchSize = parse.GetValue(batchOption),
                    LearningRate = parse.GetValue(learningRateOption),
                };
            }
            options = options.Validate();

            var corpus = PairedCorpus.Load(parse.GetValue(pairedOption)!);
            var text = TextTeacherOutputs.Open(parse.GetValue(textOption)!);
            var runtime = CommonOptions.InitializeTorch(parse);
            AudioLanguageModel? loaded = null;
            CheckpointMetadata? initial = null;
            if (initialize is not null)
                (loaded, initial) = CheckpointFile.Load(initialize);                      // read once, before any feature work
            var features = initial?.Features ?? new LogMelOptions();
            Console.WriteLine($"paired corpus {corpus.ManifestPath}: {corpus.Utterances.Count} utterances; text outputs {text.Manifest} (width {text.Width}); computing log-mel features …");
            var data = PadCorpus.Build(corpus, text, features);
            Console.WriteLine($"train {data.In(PairedSplit.Train).Count}, valid {data.In(PairedSplit.Valid).Count}, test {data.In(PairedSplit.Test).Count} utterances");

            var model = loaded ?? RandomStudent.Create(options.Seed, data.TrainStatistics());
            if (model.Config.Encoder.MelBins != features.MelBins)
                throw new ArgumentException($"the student takes {model.Config.Encoder.MelBins} mel bins but its features have {features.MelBins}");
            model.to(runtime.Device);
            var trainer = new PadTrainer(options, runtime.Device, Console.WriteLine);
            using var loss = trainer.CreateLoss(model, text);
            Console.WriteLine($"student {(initialize ?? "random (seeded)")}: {model.ParameterCount:N0} parameters; PAD {options.Loss.Variant}, " +
                              $"{(options.Loss.UsePriors ? $"priors from layers {string.Join(",", options.Loss.PriorLayers)}" : "no priors")}, device {runtime.Device.type}");

            if (evaluateOnly)
            {
                string projection = parse.GetValue(projectionOption) ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(initialize!))!, ProjectionFileName);
                if (File.Exists(projection))
                    loss.load(projection);
                else if (parse.GetValue(projectionOption) is not null)
                    throw new FileNotFoundException($"--projection {projection} not found", projection);
                Console.WriteLine(File.Exists(projection) ? $"projection {projection}" : "projection: none saved next to the checkpoint; a seeded random one");
                var test = data.In(PairedSplit.Test).Count > 0 ? data.In(PairedSplit.Test) : data.In(PairedSplit.Valid);
                double validLoss = data.In(PairedSplit.Valid).Count > 0 ? trainer.MeanLoss(model, loss, data.In(PairedSplit.Valid), text) : double.NaN;
                Console.WriteLine($"valid loss {validLoss:F4}; test retrieval {trainer.Retrieve(model, loss, test, text)}");
                return Task.FromResult(0);
            }

            var result = trainer.Train(model, loss, data, cancellationToken);
            Directory.CreateDirectory(output!);
            PadCheckpoint.Save(Path.Combine(output!, CheckpointFileName), model, initial, features, options, result);
            loss.save(Path.Combine(output!, ProjectionFileName));
            WriteSummary(Path.Combine(output!, "pad.json"), corpus.ManifestPath, text.Manifest, initialize, options, result);
            Console.WriteLine($"speech → text retrieval on the test split ({result.After.Count} utterances):");
            Console.WriteLine($"  unaligned (initial) student: {result.Before}");
            Console.WriteLine($"  PAD-aligned student:         {result.After}");
            Console.WriteLine($"student: {Path.Combine(output!, CheckpointFileName)} ({result.Elapsed:hh\\:mm\\:ss}); use it as `initialize:` of `pld distill`");
            return Task.FromResult(0);
        });
        return command;
    }

    private static PadVariant ParseVariant(string name) => name switch
    {
        "global" => PadVariant.Global,
        "token-local" => PadVariant.TokenLocal,
        "span-local" => PadVariant.SpanLocal,
        _ => throw new ArgumentException($"--variant '{name}' is not global, token-local or span-local"),
    };

    private static int[] ParseList(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            values[i] = int.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
                ? value : throw new ArgumentException($"{option} '{text}': '{parts[i]}' is not a whole number");
        return values;
    }

    private static void WriteSummary(string path, string paired, string textManifest, string? initialize, PadTrainingOptions options, PadTrainingResult result)
    {
        var summary = new
        {
            paired,
            text_outputs = textManifest,
            initialize,
            variant = options.Loss.Variant.ToString(),
            priors = options.Loss.UsePriors,
            prior_layers = options.Loss.PriorLayers,
            anchors = options.Loss.Anchors,
            span_widths = options.Loss.SpanWidths,
            epochs = options.Epochs,
            seed = options.Seed,
            batch_size = options.BatchSize,
            learning_rate = options.LearningRate,
            initial_valid_loss = result.InitialValidLoss,
            history = result.Epochs.Select(e => new { epoch = e.Epoch, train_loss = e.TrainLoss, valid_loss = e.ValidLoss, seconds = e.Elapsed.TotalSeconds }),
            retrieval_before = result.Before,
            retrieval_after = result.After,
            seconds = result.Elapsed.TotalSeconds,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(summary, Indented));
    }
}
