using System.CommandLine;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using PLDistill.Audio.Data;
using PLDistill.Audio.Processing;
using PLDistill.Streaming.Engine;
using PLDistill.Streaming.Inference;
using Spectre.Console;

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
        var clipsOption = new Option<int>("--clips") { Description = "held-out clips to stream (1-240)", DefaultValueFactory = _ => 3 };
        clipsOption.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 240)
                result.AddError($"--clips {result.GetValueOrDefault<int>()}: use 1..240 (actors 17-20 hold 240 clips)");
        });
        var precisionOption = CommonOptions.CreatePrecision();
        var command = new Command("demo", "Stream held-out clips through the default student and print rolling estimates") { checkpointOption, clipsOption, precisionOption };
        command.SetAction(async (parse, cancellation) =>
        {
            var runtime = CommonOptions.InitializeTorch(parse);
            var student = DefaultModel.LoadStudent(parse.GetValue(checkpointOption)!, parse.GetValue(precisionOption));
            var streaming = student.Streaming;
            AnsiConsole.MarkupLine($"model: {Markup.Escape(student.Description)}; {student.Model.ParameterCount:N0} parameters on {runtime.Device.type.ToString().ToLowerInvariant()} in {student.Model.Precision}");
            AnsiConsole.MarkupLine($"window {streaming.WindowSeconds:0.##} s, hop {streaming.HopMilliseconds:0.#} ms, incremental student: encoder and LM continue from device-resident caches (as `pld run`)");

            var recognizer = new StreamingStudent(student.Model, student.Features, streaming, student.Labels, runtime.Device, maxStreams: 1);
            await using var engine = new EmotionEngine(recognizer,
                new EngineOptions { Policy = BackpressurePolicy.DropOldest, ProducerWaitBudget = Timeout.InfiniteTimeSpan });
            var printer = new EstimatePrinter(Console.Out, json: false);   // one table per clip
            foreach (var (name, audio, truth) in Clips(parse.GetValue(clipsOption)))
            {
                AnsiConsole.MarkupLine($"[bold]{Markup.Escape(name)}[/]  (true: {Markup.Escape(truth)})");
                var stream = engine.OpenStream(name);
                var done = stream.Estimates.Do(printer.Estimate).LastOrDefaultAsync().ToTask(cancellation);
                await stream.WriteAsync(audio, cancellation);
                await stream.CompleteAsync(cancellation);
                var last = await done;
                if (last is not null)
                    AnsiConsole.MarkupLine($"  final: [bold]{last.Label}[/] {last.Confidence:P0} (true: {Markup.Escape(truth)})");
            }
            if (student.IsRandom)
                AnsiConsole.MarkupLine("[yellow]note: the model is randomly initialised; the estimates are meaningless[/]");
            return 0;
        });
        return command;
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
        if (heldOut.Count == 0)
            throw new ArgumentException($"{root}: no clips of the held-out actors 17-20 to stream");
        foreach (var clip in SpreadOverEmotions(heldOut, count))
            yield return (Path.GetFileName(clip.Path), AudioFile.ReadMono(clip.Path), clip.Emotion.ToString().ToLowerInvariant());
    }

    /// <summary>
    /// <paramref name="count"/> clips taking the emotions in turn (neutral, calm, happy, ...), each emotion's clips taken
    /// far apart (other actors and sentences), so that a few clips already show several emotions.
    /// </summary>
    internal static IEnumerable<RavdessClip> SpreadOverEmotions(IReadOnlyList<RavdessClip> clips, int count)
    {
        var byEmotion = clips.GroupBy(c => c.Emotion).OrderBy(g => g.Key).Select(g => g.OrderBy(c => c.Path, StringComparer.Ordinal).ToArray()).ToArray();
        int taken = 0;
        for (int round = 0; taken < count && round < byEmotion.Max(pool => pool.Length); round++)
        {
            for (int e = 0; e < byEmotion.Length && taken < count; e++)
            {
                var pool = byEmotion[e];
                if (round >= pool.Length)
                    continue;
                // A prime stride visits every clip of a pool once before any twice (pools hold 16 or 32, not multiples of 37).
                taken++;
                yield return pool[(e * 7 + round * 37) % pool.Length];
            }
        }
    }
}
