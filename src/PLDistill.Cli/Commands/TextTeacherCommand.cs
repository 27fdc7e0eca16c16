using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using PLDistill.Audio.Data;
using PLDistill.Distillation.Data.TextTeacher;
using PLDistill.Distillation.TextTeacher;
using PLDistill.Models.Text;

namespace PLDistill.Cli.Commands;

/// <summary>
/// <c>pld text-teacher train</c>: train the in-project text teacher (a small BERT-style masked language model) on English
/// text; <c>pld text-teacher export</c>: write its outputs for a paired corpus in the format PAD reads.
/// </summary>
internal static class TextTeacherCommand
{
    private const int CheckBatchSize = 64;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create() => new("text-teacher", "Train the in-project text teacher for PAD, and export its outputs")
    {
        CreateTrain(),
        CreateExport(),
    };

    private static Command CreateTrain()
    {
        var corpusOption = new Option<string[]>("--corpus-text")
        {
            Description = $"English text to learn from, repeatable: a plain, .gz or .dict.dz file, '{EnglishSentences.DebianDefault}' for " +
                          $"{EnglishSentences.DevilDictionaryPath} (Debian package dict-devil, the default), or '{EnglishSentences.FortunesDefault}' " +
                          $"for the prose files of Debian's fortunes packages",
            DefaultValueFactory = _ => [EnglishSentences.DebianDefault],
        };
        var outputOption = new Option<string>("--output") { Description = "folder to write the model, tokenizer and training.json to (must be absent or empty)", Required = true };
        var excludeOption = new Option<string?>("--exclude-paired")
        {
            Description = "a paired corpus (folder or manifest.jsonl) whose test-split sentences are removed from the training text",
        };
        var epochsOption = new Option<int>("--epochs") { Description = "passes over the training sentences", DefaultValueFactory = _ => 3 };
        var seedOption = new Option<int>("--seed") { Description = "seed of the split, weights, batches and masks", DefaultValueFactory = _ => 1 };
        var batchOption = new Option<int>("--batch-size") { Description = "sentences per step", DefaultValueFactory = _ => 32 };
        var widthOption = new Option<int>("--width") { Description = "hidden width D", DefaultValueFactory = _ => 128 };
        var layersOption = new Option<int>("--layers") { Description = "transformer blocks L", DefaultValueFactory = _ => 4 };
        var headsOption = new Option<int>("--heads") { Description = "attention heads H (must divide the width)", DefaultValueFactory = _ => 4 };
        var learningRateOption = new Option<double>("--learning-rate") { Description = "peak AdamW learning rate", DefaultValueFactory = _ => 1e-3 };
        var minFrequencyOption = new Option<int>("--min-frequency") { Description = "words seen fewer times become [UNK]", DefaultValueFactory = _ => 2 };
        var command = new Command("train", "Train a masked language model on English sentences (default: The Devil's Dictionary)")
        {
            corpusOption, outputOption, excludeOption, epochsOption, seedOption, batchOption, widthOption, layersOption, headsOption,
            learningRateOption, minFrequencyOption,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            string output = Path.GetFullPath(parse.GetValue(outputOption)!);
            CommonOptions.RequireEmptyFolder(output, "--output");
            int epochs = parse.GetValue(epochsOption);
            if (epochs is < 1 or > 1000)
                throw new ArgumentException($"--epochs must be 1 … 1000, got {epochs}");
            var options = new MaskedLanguageModelOptions
            {
                Epochs = epochs,
                Seed = parse.GetValue(seedOption),
                BatchSize = parse.GetValue(batchOption),
                LearningRate = parse.GetValue(learningRateOption),
                MinFrequency = parse.GetValue(minFrequencyOption),
                Encoder = new TextEncoderConfig
                {
                    VocabularySize = 6,   // replaced by the tokenizer's size once it is built
                    Width = parse.GetValue(widthOption),
                    Layers = parse.GetValue(layersOption),
                    Heads = parse.GetValue(headsOption),
                }.Validate(),
            }.Validate();

            var sources = parse.GetValue(corpusOption)!.SelectMany(EnglishSentences.ResolveSource).Distinct().ToArray();
            if (sources.Length == 0)
                throw new ArgumentException("--corpus-text names no file");
            IReadOnlyList<string> sentences = [.. sources.SelectMany(path => EnglishSentences.Split(EnglishSentences.ReadText(path))).Distinct(StringComparer.Ordinal)];
            string source = string.Join(", ", sources);
            Console.WriteLine($"{sources.Length} file(s), {sentences.Count:N0} sentences");
            string? excluded = parse.GetValue(excludeOption);
            int removed = 0;
            if (excluded is not null)
            {
                var test = PairedCorpus.Load(excluded).InSplit(PairedSplit.Test).Select(u => u.Text).Distinct().ToArray();
                sentences = EnglishSentences.Excluding(sentences, test, out removed);
                Console.WriteLine($"excluded {removed} sentences overlapping the {test.Length} test-split sentences of {excluded}");
            }
            else
            {
                Console.WriteLine("warning: no --exclude-paired; a paired corpus made from the same text shares sentences with the training text");
            }

            var runtime = CommonOptions.InitializeTorch(parse);
            var result = new MaskedLanguageModelTrainer(options, runtime.Device, Console.WriteLine).Train(sentences, cancellationToken);
            using (result.Encoder)
            {
                TextEncoderFolder.Save(output, result.Encoder, result.Tokenizer);
                WriteSummary(Path.Combine(output, "training.json"), source, excluded, removed, options, result);
            }
            Console.WriteLine($"held-out masked words: accuracy {result.Final.HeldOutAccuracy:P1} (majority '{result.Baseline.MajorityToken}' " +
                              $"{result.Baseline.MajorityAccuracy:P1}), perplexity {result.Final.HeldOutPerplexity:F1} (unigram {result.Baseline.UnigramPerplexity:F1}); " +
                              $"{result.Elapsed:hh\\:mm\\:ss}");
            Console.WriteLine($"model: {output}");
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command CreateExport()
    {
        var modelOption = new Option<string>("--model") { Description = "a folder written by `pld text-teacher train`", Required = true };
        var pairedOption = new Option<string>("--paired") { Description = "the paired corpus (folder or manifest.jsonl) whose transcripts to encode", Required = true };
        var outputOption = new Option<string>("--output") { Description = "the text-outputs folder to write (must be absent or empty)", Required = true };
        var layerOption = new Option<int?>("--layer") { Description = "hidden state for the features: 0 the embeddings, L (the default) the final layer" };
        var command = new Command("export", "Write the text teacher's features and attention for every utterance of a paired corpus")
            { modelOption, pairedOption, outputOption, layerOption };
        command.SetAction(parse =>
        {
            string model = Path.GetFullPath(parse.GetValue(modelOption)!);
            string output = Path.GetFullPath(parse.GetValue(outputOption)!);
            if (output == model)
                throw new ArgumentException("--output must differ from --model");
            CommonOptions.RequireEmptyFolder(output, "--output");
            var corpus = PairedCorpus.Load(parse.GetValue(pairedOption)!);
            CommonOptions.InitializeTorch(parse);
            var (encoder, tokenizer) = TextEncoderFolder.Load(model);
            using (encoder)
            {
                int? layer = parse.GetValue(layerOption);
                if (layer is int l && (l < 0 || l > encoder.Config.Layers))
                    throw new ArgumentException($"--layer must be 0 … {encoder.Config.Layers}, got {l}");
                int count = TextTeacherExporter.Export(encoder, tokenizer, corpus.Utterances.Select(u => (u.Id, u.Text)), output, layer,
                    $"{TextTeacherExporter.DefaultModelName} ({Path.GetFileName(model)})");
                var written = TextTeacherOutputs.Open(output);   // the folder must load as PAD will load it, values checked too
                for (int first = 0; first < written.Count; first += CheckBatchSize)
                    written.Make([.. Enumerable.Range(first, Math.Min(CheckBatchSize, written.Count - first))]).Dispose();
                Console.WriteLine($"{output}: {count} utterances, width {written.Width}, {written.Layers} layers × {written.Heads} heads, " +
                                  $"{written.Utterances.Average(u => u.Steps).ToString("F1", CultureInfo.InvariantCulture)} tokens on average");
            }
            return 0;
        });
        return command;
    }

    private static void WriteSummary(string path, string source, string? excluded, int removed, MaskedLanguageModelOptions options, MaskedLanguageModelResult result)
    {
        var summary = new
        {
            source,
            excluded_paired_corpus = excluded,
            excluded_sentences = removed,
            training_sentences = result.TrainingSentences,
            held_out_sentences = result.HeldOutSentences,
            held_out_masked_words = result.HeldOutTargets,
            vocabulary = result.Tokenizer.Count,
            options.Epochs, options.BatchSize, options.LearningRate, options.WeightDecay, options.MaskProbability, options.Seed,
            encoder = result.Encoder.Config,
            baseline = result.Baseline,
            history = result.History.Select(e => new { e.Epoch, e.TrainingLoss, e.HeldOutLoss, e.HeldOutPerplexity, e.HeldOutAccuracy, e.Seconds }),
            elapsed_seconds = result.Elapsed.TotalSeconds,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(summary, Indented));
    }
}
