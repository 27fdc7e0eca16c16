using System.CommandLine;
using System.Diagnostics;
using PLDistill.Audio.Data;
using PLDistill.Audio.Processing;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Cli.Commands;

/// <summary>
/// <c>pld demo</c>, the README's main job: runs the default student (or, where none is shipped yet, a randomly
/// initialised one, and says so) over held-out RAVDESS clips (actors 17–20) the way a live stream sees them: every hop,
/// an estimate from the last window of audio. Without the shared data it uses a synthetic signal and says so.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var checkpointOption = new Option<string>("--checkpoint") { Description = "checkpoint file or 'default'", DefaultValueFactory = _ => DefaultModel.Name };
        var clipsOption = new Option<int>("--clips") { Description = "held-out clips to stream", DefaultValueFactory = _ => 3 };
        var command = new Command("demo", "Stream held-out clips through the default student and print rolling estimates") { checkpointOption, clipsOption };
        command.SetAction(parse =>
        {
            var runtime = CommonOptions.InitializeTorch(parse);
            var (model, features, streaming, description) = LoadModel(parse.GetValue(checkpointOption)!);
            model.to(runtime.Device);
            var labels = EmotionLabelSet.Eight;
            AnsiConsole.MarkupLine($"model: {Markup.Escape(description)}; {model.ParameterCount:N0} parameters on {runtime.Device.type.ToString().ToLowerInvariant()}");
            AnsiConsole.MarkupLine($"window {streaming.WindowSeconds:F1} s, hop {streaming.HopMilliseconds:F0} ms (each hop recomputes its window; the cached engine is `pld run`)");

            using var spectrogram = new LogMelSpectrogram(features);
            spectrogram.to(runtime.Device);
            foreach (var (name, audio, truth) in Clips(parse.GetValue(clipsOption)))
            {
                var table = new Table().Title(Markup.Escape($"{name}  (true: {truth})"))
                    .AddColumns("t (s)", "estimate", "confidence", "model ms");
                int hop = (int)(features.SampleRate * streaming.HopMilliseconds / 1000), window = (int)(features.SampleRate * streaming.WindowSeconds);
                for (int end = hop; end <= audio.Length; end += hop)
                {
                    int start = Math.Max(0, end - window);
                    var clock = Stopwatch.StartNew();
                    using var scope = NewDisposeScope();
                    using var inference = inference_mode();
                    var mel = spectrogram.forward(tensor(audio[start..end], device: runtime.Device)).unsqueeze(0);
                    if (mel.shape[1] < model.Config.Encoder.Subsampling)
                        continue;
                    using var output = model.Forward(mel, tensor(new[] { mel.shape[1] }, device: runtime.Device));
                    var probabilities = model.ClassLogits(output.AnswerLogits, labels).softmax(1)[0].cpu().data<float>().ToArray();
                    int best = Array.IndexOf(probabilities, probabilities.Max());
                    table.AddRow($"{end / (double)features.SampleRate:F2}", labels.Words[best], $"{probabilities[best]:P0}", $"{clock.Elapsed.TotalMilliseconds:F1}");
                }
                AnsiConsole.Write(table);
            }
            return 0;
        });
        return command;
    }

    private static (AudioLanguageModel Model, LogMelOptions Features, StreamingParameters Streaming, string Description) LoadModel(string checkpoint)
    {
        if (checkpoint == DefaultModel.Name && !File.Exists(DefaultModel.ShippedPath))
        {
            manual_seed(0);
            var random = new AudioLanguageModel(LalmConfig.Student);
            random.eval();
            return (random, new LogMelOptions(), new StreamingParameters(), "RANDOMLY INITIALISED student (no trained default model is shipped yet): estimates are meaningless");
        }
        string path = DefaultModel.Resolve(checkpoint);
        var (model, metadata) = CheckpointFile.Load(path);
        string ua = metadata.Training.TryGetValue("validation_ua", out var value) ? $", validation UA {value}" : "";
        return (model, metadata.Features, metadata.Streaming, $"{path} ({metadata.Role}{ua})");
    }

    private static IEnumerable<(string Name, float[] Audio, string Truth)> Clips(int count)
    {
        string? root = RavdessCorpus.FindSharedRoot();
        if (root is null)
        {
            AnsiConsole.MarkupLine("[yellow]no shared RAVDESS data found: streaming a synthetic 3 s signal instead[/]");
            var synthetic = Enumerable.Range(0, 48000).Select(n => (float)(0.3 * Math.Sin(2 * Math.PI * 220 * n / 16000) * (1 + Math.Sin(n / 4000.0)) / 2)).ToArray();
            yield return ("synthetic tone", synthetic, "n/a");
            yield break;
        }
        var heldOut = ActorSplit.Default.Evaluation(RavdessCorpus.Scan(root).Clips);
        // Spread the picks over emotions: every k-th held-out clip.
        int step = Math.Max(1, heldOut.Count / Math.Max(1, count));
        foreach (var clip in heldOut.Where((_, i) => i % step == step / 2).Take(count))
            yield return (Path.GetFileName(clip.Path), AudioFile.ReadMono(clip.Path), clip.Emotion.ToString().ToLowerInvariant());
    }
}
