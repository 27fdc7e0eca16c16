using System.CommandLine;
using System.Globalization;
using System.Reactive;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using PLDistill.Audio.Formats;
using PLDistill.Audio.Sources;
using PLDistill.Models.Checkpoints;
using PLDistill.Streaming.Engine;
using PLDistill.Streaming.Inference;
using PLDistill.Streaming.Observables;

namespace PLDistill.Cli.Commands;

/// <summary>
/// <c>pld run</c>: one live stream through the engine — a WAV file (as fast as possible, or paced with --realtime), audio
/// piped on stdin (<c>-</c>: WAV or raw PCM), or the microphone (<c>mic</c>, <c>mic:DEVICE</c>) — with rolling estimates
/// printed as they are published. Ctrl+C ends the stream cleanly: audio so far is still estimated.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "a WAV file, - for stdin (WAV or raw PCM), or mic[:ALSA-DEVICE]" };
        var checkpoint = new Option<string>("--checkpoint") { Description = "student checkpoint file or 'default'", DefaultValueFactory = _ => DefaultModel.Name };
        var json = new Option<bool>("--json") { Description = "JSON lines (estimates, label changes, alerts) instead of a table" };
        var hop = new Option<double?>("--hop") { Description = "milliseconds between estimates (default: the checkpoint's, 250)" };
        var window = new Option<double?>("--window") { Description = "seconds of audio each estimate reads (default: the checkpoint's, 3)" };
        var realtime = new Option<bool>("--realtime") { Description = "pace a WAV file at real time, as if it were live" };
        var lossless = new Option<bool>("--lossless")
        {
            Description = "never coalesce a backlog: wait for the model, one estimate per hop (for audio piped faster than real time, " +
                          "e.g. from ffmpeg; a file, or stdin redirected from one, is read this way already)",
        };
        var mode = new Option<string>("--mode") { Description = "incremental (device-resident caches, only new audio runs) or recompute (whole window every hop)", DefaultValueFactory = _ => "incremental" };
        var rawRate = new Option<int>("--rate") { Description = "sample rate of raw PCM on stdin", DefaultValueFactory = _ => 16000 };
        var rawChannels = new Option<int>("--channels") { Description = "channels of raw PCM on stdin", DefaultValueFactory = _ => 1 };
        var precision = CommonOptions.CreatePrecision();
        var alert = new Option<string?>("--alert") { Description = "LABEL:P:SECONDS, e.g. angry:0.6:2 — alert when LABEL stays above P for SECONDS" };
        var command = new Command("run", "Rolling emotion estimates for one live stream: file, stdin or microphone")
        {
            input, checkpoint, json, hop, window, realtime, lossless, mode, rawRate, rawChannels, alert, precision,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            // Hand System.CommandLine its task before the slow synchronous part (model, audio source): Ctrl+C then
            // reaches our token and the termination grace, and a second Ctrl+C cannot race the action's start.
            await Task.Yield();
            StandardOutput.FailWritesOnceClosed();   // `| head`: stop the audio once the reader has gone
            string modeName = parse.GetValue(mode)!;
            if (modeName is not ("incremental" or "recompute"))   // checked before the audio source opens (stdin, a recorder)
                throw new ArgumentException($"--mode '{modeName}': use incremental or recompute");
            var alertSpec = ParseAlert(parse.GetValue(alert));
            string spec = parse.GetValue(input)!;
            // --rate and --channels describe raw PCM on stdin, and only there are they checked.
            var rawFormat = spec == AudioSources.StandardInput ? RawFormat(parse.GetValue(rawRate), parse.GetValue(rawChannels)) : null;
            var runtime = CommonOptions.InitializeTorch(parse);
            var student = DefaultModel.LoadStudent(parse.GetValue(checkpoint)!, parse.GetValue(precision));
            if (alertSpec is not null && !student.Labels.Words.Contains(alertSpec.Label))   // else it would only fail at the first estimate
                throw new ArgumentException($"--alert: '{alertSpec.Label}' is not one of this model's labels ({string.Join(", ", student.Labels.Words)})");
            var streaming = WithOverrides(student, parse.GetValue(hop), parse.GetValue(window));
            bool asJson = parse.GetValue(json);
            var status = asJson ? Console.Error : Console.Out;
            status.WriteLine($"model: {student.Description}; {student.Model.ParameterCount:N0} parameters on {runtime.Device.type.ToString().ToLowerInvariant()} in {student.Model.Precision}");
            status.WriteLine($"window {streaming.WindowSeconds:0.##} s, hop {streaming.HopMilliseconds:0.#} ms, {parse.GetValue(mode)} mode");

            // Live: audio that arrives as it is spoken (a microphone, a pipe, a paced file) must never wait for the model.
            bool live = !parse.GetValue(lossless)
                        && (spec == AudioSources.Microphone || spec.StartsWith(AudioSources.Microphone + ":", StringComparison.Ordinal)   // not "mic_test.wav"
                            || (spec == AudioSources.StandardInput && !AudioSources.StandardInputIsFile())
                            || parse.GetValue(realtime));
            // Ctrl+C ends the audio, not the output; so does output that cannot be written (stdout closed, as by `| head`):
            // recording on with nowhere to print would only hide the failure, which `await printed` then reports. One token
            // for the source and the pump, so the pump always knows a cancelled read for its own stop.
            using var stopAudio = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            await using var source = AudioSources.Open(spec, parse.GetValue(realtime) ? TimeProvider.System : null, rawFormat,
                abandonReadsOn: stopAudio.Token);   // so Ctrl+C ends a wait on stdin too

            IEmotionRecognizer recognizer = modeName == "incremental"
                ? new StreamingStudent(student.Model, student.Features, streaming, student.Labels, runtime.Device, maxStreams: 1)
                : new WindowRecomputingStudent(student.Model, student.Features, streaming, student.Labels, runtime.Device, maxStreams: 1);
            // Live audio must never wait for the model (coalesce a backlog); a file read as fast as possible waits instead.
            var options = live
                ? new EngineOptions { Policy = BackpressurePolicy.Coalesce, ProducerWaitBudget = TimeSpan.Zero }
                : new EngineOptions { Policy = BackpressurePolicy.DropOldest, ProducerWaitBudget = Timeout.InfiniteTimeSpan };
            await using var engine = new EmotionEngine(recognizer, options);
            var stream = engine.OpenStream(source.Name);
            var printer = new EstimatePrinter(Console.Out, asJson);
            // One subscription, subscribed before any audio flows: each estimate is printed, then the label change and the
            // alert it confirmed (Publish hands every estimate to the three in turn, on one thread), so a change never
            // prints before its estimate. It completes once the last line is printed (the stream's Completion can come
            // earlier), and fails with the stream's typed error if the audio broke mid-stream.
            var printed = stream.Estimates.Publish(estimates => Observable.Merge(
                    estimates.Do(printer.Estimate).Select(_ => Unit.Default),
                    estimates.LabelChanges(minConfidence: 0.4f, confirmHops: 2).Do(printer.Change).Select(_ => Unit.Default),
                    alertSpec is { } a
                        ? estimates.SustainedEmotion(a.Label, a.Threshold, a.Duration).Do(printer.Alert).Select(_ => Unit.Default)
                        : Observable.Empty<Unit>()))
                .LastOrDefaultAsync().ToTask();

            _ = printed.ContinueWith(_ => stopAudio.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            await AudioPump.RunAsync(source, stream, recognizer.SampleRate, stopAudio.Token);
            await printed;
            var statistics = stream.Statistics;
            // The engine never waits for a reader: output slower than the model loses its oldest estimates, and says so.
            long lostEstimates = engine.Statistics.SubscriberDrops;
            status.WriteLine($"{statistics.Estimates} estimates over {statistics.HopsProcessed} hops; dropped {statistics.DroppedHops}, coalesced {statistics.CoalescedHops}" +
                             (lostEstimates > 0 ? $"; the output fell behind and lost {lostEstimates} estimates" : ""));
            if (student.IsRandom)
                status.WriteLine("note: the model is randomly initialised; the estimates are meaningless");
            return 0;
        });
        return command;
    }

    private static StreamingParameters WithOverrides(LoadedStudent student, double? hopMs, double? windowSeconds)
    {
        var streaming = student.Streaming with
        {
            HopMilliseconds = hopMs ?? student.Streaming.HopMilliseconds,
            WindowSeconds = windowSeconds ?? student.Streaming.WindowSeconds,
        };
        if (streaming.HopMilliseconds is < 20 or > 10_000)
            throw new ArgumentException($"--hop {streaming.HopMilliseconds} ms: use 20..10000");
        var (shortest, longest) = StreamingStudent.ServableWindowSeconds(student.Model, student.Features);
        if (!(streaming.WindowSeconds >= shortest - 1e-9 && streaming.WindowSeconds <= longest + 1e-9))
            throw new ArgumentException(shortest == longest
                ? $"--window {streaming.WindowSeconds} s: this model's LM reads a fixed {shortest:0.##} s window (set when it was trained)"
                : $"--window {streaming.WindowSeconds} s: this model reads {shortest:0.#}..{longest:0.#} s");
        return streaming;
    }

    private static PcmFormat RawFormat(int rate, int channels)
    {
        if (rate is < PcmFormat.MinSampleRate or > PcmFormat.MaxSampleRate)
            throw new ArgumentException($"--rate {rate}: use {PcmFormat.MinSampleRate}..{PcmFormat.MaxSampleRate} Hz (the sample rate of raw PCM on stdin)");
        if (channels is < 1 or > PcmFormat.MaxChannels)
            throw new ArgumentException($"--channels {channels}: use 1..{PcmFormat.MaxChannels} (the channels of raw PCM on stdin)");
        return new PcmFormat(rate, channels, SampleEncoding.Int16);
    }

    private sealed record AlertSpec(string Label, float Threshold, TimeSpan Duration);

    private static AlertSpec? ParseAlert(string? text)
    {
        if (text is null)
            return null;
        var parts = text.Split(':');
        if (parts.Length != 3
            || !float.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out float p) || !(p > 0 && p <= 1)
            || !double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double s) || !(s >= 0.01 && s <= 86_400))
            throw new ArgumentException($"--alert '{text}': use LABEL:P:SECONDS with 0 < P <= 1 and 0.01 <= SECONDS <= 86400, e.g. angry:0.6:2");
        return new AlertSpec(parts[0], p, TimeSpan.FromSeconds(s));
    }
}
