using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PLDistill.Api.V1;
using PLDistill.Audio.Formats;
using PLDistill.Audio.Sources;
using PLDistill.Client;

namespace PLDistill.Cli.Commands;

/// <summary>
/// <c>pld client stream FILE</c> sends a WAV file to a server at real-time pace (as a live caller would) and prints the
/// estimates as they come back; <c>pld client watch</c> follows a tenant's live streams; <c>pld client list</c> lists them.
/// A status other than OK prints one line and exits with 2 (the request was refused: bad input, key or permission) or 3
/// (the server or the network failed, or a limit ended the stream).
/// </summary>
internal static class ClientCommand
{
    public const string KeyEnvironmentVariable = "PLDISTILL_API_KEY";

    // A timer's longest wait is about 49 days; a limit of weeks is as good as none.
    private const double MaxWatchSeconds = 2_000_000;

    private static readonly Option<string> Server = new("--server")
    {
        Description = "server address", DefaultValueFactory = _ => "http://127.0.0.1:50051", Recursive = true,
    };

    private static readonly Option<string?> Key = new("--key")
    {
        Description = $"the tenant's API key (default: ${KeyEnvironmentVariable}, which keeps it out of the process list)", Recursive = true,
    };

    private static readonly Option<string?> TrustedCertificate = new("--ca")
    {
        Description = "PEM or DER certificate to trust for an https server (a private CA or the server's self-signed certificate)", Recursive = true,
    };

    private static readonly Option<bool> Json = new("--json") { Description = "one JSON object per event (proto3 JSON)", Recursive = true };

    private static readonly Option<bool> Insecure = new("--insecure")
    {
        Description = "allow a plaintext http:// server on another machine (the API key then crosses the network in cleartext)", Recursive = true,
    };

    public static Command Create() => new("client", "Talk to a pld serve instance")
    {
        Server, Key, TrustedCertificate, Json, Insecure, CreateStream(), CreateWatch(), CreateList(),
    };

    private static Command CreateStream()
    {
        var file = new Argument<string>("file") { Description = "a WAV file (any rate, 1-8 channels)" };
        var streamId = new Option<string?>("--stream-id") { Description = "the stream's id (default: the file name and a random suffix)" };
        var hop = new Option<double?>("--hop") { Description = "milliseconds between estimates (default: the server's)" };
        var window = new Option<double?>("--window") { Description = "seconds each estimate reads (default: the server's)" };
        var labels = new Option<string?>("--labels") { Description = "8 or 4 (default: the model's)" };
        var fast = new Option<bool>("--fast")
        {
            Description = "send as fast as the server takes it instead of at real-time pace (a server set up for live audio then merges hops: coalesced_hops)",
        };
        var command = new Command("stream", "Stream a WAV file to the server at real-time pace and print the estimates")
        {
            file, streamId, hop, window, labels, fast,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            string path = parse.GetValue(file)!;
            await using var source = WavFileSource.Open(path, parse.GetValue(fast) ? null : TimeProvider.System, abandonReadsOn: cancellation);   // a named pipe too
            var format = source.Format;
            // 16-bit and 8-bit audio go as LINEAR16 (exactly); everything else as FLOAT32.
            var encoding = format.Encoding is SampleEncoding.Int16 or SampleEncoding.UInt8 ? AudioEncoding.Linear16 : AudioEncoding.Float32;
            var config = new StreamConfig
            {
                StreamId = parse.GetValue(streamId) ?? DefaultStreamId(path),
                Encoding = encoding,
                SampleRateHz = format.SampleRate,
                Channels = format.Channels,
                LabelSet = parse.GetValue(labels) switch
                {
                    null => LabelSet.Unspecified,
                    "8" or "ravdess8" => LabelSet.Ravdess8,
                    "4" or "ravdess4" => LabelSet.Ravdess4,
                    var other => throw new ArgumentException($"--labels '{other}': use 8 or 4"),
                },
            };
            if (parse.GetValue(hop) is { } hopMs)
                config.Hop = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(hopMs));
            if (parse.GetValue(window) is { } windowSeconds)
                config.Window = Duration.FromTimeSpan(TimeSpan.FromSeconds(windowSeconds));

            StandardOutput.FailWritesOnceClosed();
            using var client = Connect(parse);
            bool json = parse.GetValue(Json);
            var clock = json ? null : new SendClock();   // JSON lines carry no client-side latency
            var printer = new RemoteEventPrinter(Console.Out, json, showStream: false, clock);
            return await RunRpcAsync(async () =>
            {
                // Ctrl+C ends the audio, not the call: the estimates of the audio sent so far and the summary still come.
                using var session = await client.StartRecognitionAsync(config, CancellationToken.None).WaitAsync(cancellation);
                var reading = PrintAllAsync(session.ReadEventsAsync(CancellationToken.None), printer);
                var interleaved = new float[Math.Max(1, format.SampleRate / 10) * format.Channels];   // 100 ms chunks
                long sentFrames = 0;
                int frames;
                while ((frames = await ReadUnlessCancelledAsync(source, interleaved, cancellation)) > 0)
                {
                    if (reading.IsFaulted)
                        break;   // the output failed (its reader went away): no point sending the rest

                    sentFrames += frames;
                    clock?.Sending((double)sentFrames / format.SampleRate);
                    if (!await SentAsync(() => session.SendSamplesAsync(interleaved.AsMemory(0, frames * format.Channels))))
                        break;
                }
                if (frames == 0)
                    await SentAsync(session.CompleteAsync);
                await reading;   // the events to the end, then the call's status
            }, cancellation);
        });
        return command;
    }

    private static Command CreateWatch()
    {
        var streams = new Option<string[]>("--stream") { Description = "a stream id to follow (repeatable; default: every stream of the tenant)", AllowMultipleArgumentsPerToken = false };
        var replay = new Option<double?>("--replay") { Description = "first replay this many seconds of each open stream's estimates" };
        var untilEnd = new Option<bool>("--until-end") { Description = "with --stream: exit once every named stream has ended" };
        var duration = new Option<double?>("--duration") { Description = "end the watch after this many seconds (exit 0 if connected then, 3 if not)" };
        var noReconnect = new Option<bool>("--no-reconnect")
        {
            Description = "exit (3) when the server goes away instead of subscribing again (by default the watch retries, pausing 0.5 s doubling to 10 s)",
        };
        var command = new Command("watch", "Follow the tenant's live streams (all, or those named with --stream); outlives server restarts")
        {
            streams, replay, untilEnd, duration, noReconnect,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var request = new SubscribeRequest { UntilStreamsEnd = parse.GetValue(untilEnd) };
            request.StreamIds.AddRange(parse.GetValue(streams) ?? []);
            if (parse.GetValue(replay) is { } seconds)
                request.Replay = Duration.FromTimeSpan(TimeSpan.FromSeconds(seconds));
            TimeSpan? timeLimit = null;
            if (parse.GetValue(duration) is { } limit)
            {
                if (!(limit > 0 && limit <= MaxWatchSeconds))
                    throw new ArgumentException($"--duration {limit}: give a number of seconds above 0 and at most {MaxWatchSeconds:0} (about 23 days)");
                timeLimit = TimeSpan.FromSeconds(limit);
            }
            StandardOutput.FailWritesOnceClosed();
            using var client = Connect(parse);
            var printer = new RemoteEventPrinter(Console.Out, parse.GetValue(Json), showStream: true);
            var watch = new ReconnectingWatch(client, request, printer, reconnect: !parse.GetValue(noReconnect));
            return await RunRpcAsync(() => watch.RunAsync(timeLimit, cancellation), cancellation);
        });
        return command;
    }

    private static Command CreateList()
    {
        var command = new Command("list", "List the tenant's open streams");
        command.SetAction(async (parse, cancellation) =>
        {
            using var client = Connect(parse);
            bool json = parse.GetValue(Json);
            return await RunRpcAsync(async () =>
            {
                var streams = await client.ListStreamsAsync(cancellation);
                foreach (var stream in streams)
                {
                    Console.WriteLine(json ? Google.Protobuf.JsonFormatter.Default.Format(stream)
                        : $"{stream.StreamId,-24} {RemoteEventPrinter.Seconds(stream.AudioReceived, "F1"),8} s {stream.Estimates,6} estimates  " +
                          $"{stream.Settings?.SampleRateHz} Hz x{stream.Settings?.Channels}, hop {RemoteEventPrinter.Milliseconds(stream.Settings?.Hop, "0")} ms, " +
                          $"since {stream.StartTime?.ToDateTime().ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) ?? "-"}");
                }
                if (!json && streams.Count == 0)
                    Console.WriteLine("no open streams");
            }, cancellation);
        });
        return command;
    }

    private static EmotionClient Connect(ParseResult parse)
    {
        string key = parse.GetValue(Key) ?? Environment.GetEnvironmentVariable(KeyEnvironmentVariable)
            ?? throw new ArgumentException($"no API key: pass --key KEY or set ${KeyEnvironmentVariable}");
        if (!Uri.TryCreate(parse.GetValue(Server), UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
            throw new ArgumentException($"--server '{parse.GetValue(Server)}': use http://HOST:PORT or https://HOST:PORT");
        X509Certificate2? root = parse.GetValue(TrustedCertificate) is { } path ? LoadCertificate(path) : null;
        return EmotionClient.Connect(address, key, new EmotionClientOptions { TrustedRoot = root, AllowInsecure = parse.GetValue(Insecure) });
    }

    private static X509Certificate2 LoadCertificate(string path)
    {
        try
        {
            return X509CertificateLoader.LoadCertificateFromFile(path);
        }
        catch (System.Security.Cryptography.CryptographicException bad)
        {
            throw new ArgumentException($"--ca {path}: not a PEM or DER certificate ({bad.Message})", bad);
        }
    }

    // The next chunk of the file, or 0 once it ends or Ctrl+C is pressed.
    private static async Task<int> ReadUnlessCancelledAsync(WavFileSource source, float[] buffer, CancellationToken cancellation)
    {
        try
        {
            return cancellation.IsCancellationRequested ? 0 : await source.ReadAsync(buffer, cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return 0;
        }
    }

    // False when the server has ended the call: its status comes at the end of the events.
    private static async Task<bool> SentAsync(Func<Task> send)
    {
        try
        {
            await send();
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    private static async Task PrintAllAsync(IAsyncEnumerable<EmotionEvent> events, RemoteEventPrinter printer)
    {
        await foreach (var item in events)
            printer.Print(item);
    }

    // One line and an exit code for a status, as the rest of the CLI does for its errors; Ctrl+C is 130, as elsewhere.
    private static async Task<int> RunRpcAsync(Func<Task> call, CancellationToken cancellation)
    {
        try
        {
            await call();
            return 0;
        }
        catch (RpcException cancelled) when (cancelled.StatusCode == StatusCode.Cancelled && cancellation.IsCancellationRequested)
        {
            return 130;
        }
        catch (RpcException failed)
        {
            Console.Error.WriteLine($"pld: error: server: {failed.StatusCode}: {failed.Status.Detail}");
            return failed.StatusCode is StatusCode.InvalidArgument or StatusCode.Unauthenticated or StatusCode.PermissionDenied
                or StatusCode.AlreadyExists or StatusCode.NotFound ? CliErrors.BadInput : CliErrors.RuntimeProblem;
        }
    }

    private static string DefaultStreamId(string path)
    {
        var name = new string(Path.GetFileNameWithoutExtension(path).Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-').Take(100).ToArray());
        return $"{(name.Length > 0 && char.IsAsciiLetterOrDigit(name[0]) ? name : "wav" + name)}-{Random.Shared.Next(0x10000):x4}";
    }
}
