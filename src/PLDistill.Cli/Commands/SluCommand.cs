using System.CommandLine;
using System.Text.Json;
using PLDistill.Audio.Data;
using PLDistill.Distillation.Data.TextTeacher;
using PLDistill.Distillation.Slu;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Cli.Commands;

/// <summary>
/// <c>pld slu</c>: the spoken-language-understanding evaluation of PAD. A linear probe learns intents from a speech
/// student's frozen utterance embeddings on seen phrasings in training voices, and is scored on held-out voices with seen
/// phrasings and with unseen phrasings (no word in common with training).
/// </summary>
internal static class SluCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create()
    {
        var intentsOption = new Option<string>("--intents") { Description = "the intent corpus (`tools/make-paired-corpus.sh --intents`; folder or manifest.jsonl)", Required = true };
        var checkpointOption = new Option<string?>("--checkpoint") { Description = "the student to evaluate: a checkpoint path or 'default' (without it: a seeded random student, the no-training baseline)" };
        var seedOption = new Option<int>("--seed") { Description = "seed of the probe (and of the random student without --checkpoint)", DefaultValueFactory = _ => 1 };
        var textOption = new Option<string?>("--text-outputs") { Description = "text-teacher outputs for the intent corpus's ids (`pld text-teacher export`): also scores the probe on the text side" };
        var stepsOption = new Option<int>("--probe-steps") { Description = "most full-batch AdamW steps of the linear probe (the best on the valid split, checked every 100, is kept)", DefaultValueFactory = _ => 3000 };
        var jsonOption = new Option<string?>("--json") { Description = "also write the result to this JSON file" };
        var command = new Command("slu", "Intent classification from a speech student's embeddings on held-out voices and unseen phrasings (PAD's SLU test)")
        {
            intentsOption, checkpointOption, seedOption, textOption, stepsOption, jsonOption,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var probe = new LinearProbeOptions { Steps = parse.GetValue(stepsOption), Seed = parse.GetValue(seedOption) }.Validate();
            var corpus = IntentCorpus.Load(parse.GetValue(intentsOption)!);
            var text = parse.GetValue(textOption) is { } textFolder ? TextTeacherOutputs.Open(textFolder) : null;
            if (text is not null && corpus.Utterances.FirstOrDefault(u => text.IndexOf(u.Utterance.Id) is null) is { } missing)
                throw new ArgumentException($"utterance '{missing.Utterance.Id}' of {corpus.Paired.ManifestPath} has no text-teacher outputs in {text.Manifest}; export them from this corpus");
            var runtime = CommonOptions.InitializeTorch(parse);

            string? checkpoint = parse.GetValue(checkpointOption) is { } given ? DefaultModel.Resolve(given) : null;
            AudioLanguageModel? loaded = null;
            CheckpointMetadata? metadata = null;
            if (checkpoint is not null)
                (loaded, metadata) = CheckpointFile.Load(checkpoint);                    // read once, before any feature work
            var features = metadata?.Features ?? new LogMelOptions();
            Console.WriteLine($"intent corpus {corpus.Paired.ManifestPath}: {corpus.Utterances.Count} utterances, intents {string.Join(", ", corpus.Intents)}; computing log-mel features …");
            var data = SluDataset.Build(corpus, features);

            var model = loaded ?? RandomStudent.Create(parse.GetValue(seedOption), data.TrainStatistics());
            model.to(runtime.Device);
            Console.WriteLine($"student: {checkpoint ?? $"random (seed {parse.GetValue(seedOption)})"}, {model.ParameterCount:N0} parameters; device {runtime.Device.type}");

            var result = SluEvaluation.Evaluate(model, data, probe, runtime.Device, text);
            Console.WriteLine($"intent accuracy of a linear probe on mean-pooled projector outputs ({result.Intents} intents, chance {result.Chance:P1}):");
            Console.WriteLine($"  train  (seen phrasings, training voices)  {result.TrainAccuracy,7:P1}  ({result.TrainCount})");
            Console.WriteLine($"  valid  (seen phrasings, other voices)     {result.ValidAccuracy,7:P1}  ({result.ValidCount})");
            Console.WriteLine($"  test   (seen phrasings, held-out voices)  {result.TestSeenAccuracy,7:P1}  ({result.TestSeenCount})");
            Console.WriteLine($"  test   (UNSEEN phrasings, held-out voices){result.TestUnseenAccuracy,7:P1}  ({result.TestUnseenCount})");
            if (result.TextTestUnseenAccuracy is { } textUnseen)
                Console.WriteLine($"text teacher, same probe on pooled text features: seen {result.TextTestSeenAccuracy:P1}, unseen {textUnseen:P1}");
            if (parse.GetValue(jsonOption) is { } json)
                File.WriteAllText(json, JsonSerializer.Serialize(new { intents = parse.GetValue(intentsOption), checkpoint, seed = parse.GetValue(seedOption), probe_steps = probe.Steps, result }, Indented));
            return Task.FromResult(0);
        });
        return command;
    }
}
