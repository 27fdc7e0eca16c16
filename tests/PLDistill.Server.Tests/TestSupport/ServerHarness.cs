using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PLDistill.Api.V1;
using PLDistill.Client;
using PLDistill.Server.Configuration;
using PLDistill.Server.Engines;
using PLDistill.Server.Hosting;
using PLDistill.Server.Security;

namespace PLDistill.Server.Tests.TestSupport;

/// <summary>A real server on 127.0.0.1 (dynamic ports) with two tenants, and real gRPC clients for it.</summary>
internal sealed class ServerHarness : IAsyncDisposable
{
    public const string AcmeKey = "acme-secret-key";
    public const string GlobexKey = "globex-secret-key";

    private readonly List<EmotionClient> clients = [];

    private ServerHarness(PldServer server, CapturedLogs logs)
    {
        Server = server;
        Logs = logs;
    }

    public PldServer Server { get; }

    public CapturedLogs Logs { get; }

    public Uri Address => Server.Address;

    /// <summary>Test defaults: dynamic ports, two tenants, and a lossless engine (one estimate per hop, the producer waits for the model).</summary>
    public static ServerOptions DefaultOptions() => new()
    {
        Listen = new ListenSettings { Url = "http://127.0.0.1:0" },
        Metrics = new MetricsSettings { Url = "http://127.0.0.1:0" },
        Engine = new EngineSettings { Policy = "drop_oldest", ProducerWaitMilliseconds = -1, MaxBatchWaitMilliseconds = 1 },
        Limits = new LimitSettings { IdleTimeoutSeconds = 20, ShutdownDrainSeconds = 5 },
        Auth = new AuthSettings
        {
            Tenants =
            [
                new TenantSettings { Name = "acme", ApiKeySha256 = [ApiKeys.Hash(AcmeKey)] },
                new TenantSettings { Name = "globex", ApiKeySha256 = [ApiKeys.Hash(GlobexKey)] },
            ],
        },
    };

    public static async Task<ServerHarness> StartAsync(Func<ServerOptions, ServerOptions>? configure = null, IRecognizerFactory? model = null)
    {
        var options = (configure ?? (o => o))(DefaultOptions());
        var logs = new CapturedLogs();
        var server = PldServer.Create(options, model ?? TestModel.Factory(), logging => logging.AddProvider(logs));
        await server.StartAsync(TestContext.Current.CancellationToken);
        return new ServerHarness(server, logs);
    }

    public T Get<T>() where T : notnull => Server.Services.GetRequiredService<T>();

    public EmotionClient Client(string key = AcmeKey, EmotionClientOptions? options = null)
    {
        var client = EmotionClient.Connect(Address, key, options);
        lock (clients)
            clients.Add(client);
        return client;
    }

    public static StreamConfig Config(string id, AudioEncoding encoding = AudioEncoding.Linear16, int rate = TestModel.SampleRate, int channels = 1) => new()
    {
        StreamId = id,
        Encoding = encoding,
        SampleRateHz = rate,
        Channels = channels,
    };

    /// <summary>Starts a Recognize call with <paramref name="config"/> and reads its events in the background.</summary>
    public static async Task<LiveCall> OpenAsync(EmotionClient client, StreamConfig config, CancellationToken cancellationToken)
    {
        var session = await client.StartRecognitionAsync(config, cancellationToken);
        return new LiveCall(session, ReadAllAsync(session, cancellationToken));
    }

    /// <summary>Subscribes with <paramref name="request"/> and reads the events in the background, each also to <paramref name="onEvent"/>.</summary>
    public static async Task<LiveWatch> WatchAsync(EmotionClient client, SubscribeRequest request, CancellationToken cancellationToken,
        Action<EmotionEvent>? onEvent = null)
    {
        var subscription = await client.SubscribeAsync(request, cancellationToken);
        return new LiveWatch(subscription, ReadAllAsync(subscription, cancellationToken, onEvent));
    }

    /// <summary>
    /// Runs one Recognize call: sends <paramref name="audio"/> in chunks of <paramref name="chunkBytes"/> while reading
    /// events, half-closes when <paramref name="complete"/>, and returns every event and the final status.
    /// </summary>
    public static async Task<RecognizeResult> RecognizeAsync(EmotionClient client, StreamConfig config, byte[] audio, int chunkBytes,
        bool complete = true, CancellationToken cancellationToken = default)
    {
        using var call = await OpenAsync(client, config, cancellationToken);
        try
        {
            for (int start = 0; start < audio.Length; start += chunkBytes)
                await call.Session.SendAsync(audio.AsMemory(start, Math.Min(chunkBytes, audio.Length - start)), cancellationToken);
            if (complete)
                await call.Session.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server ended the call while we were sending (the session reports it with the call's status, which
            // also comes with the events).
        }
        return await call.Result;
    }

    public static async Task<RecognizeResult> ReadAllAsync(RecognitionSession session, CancellationToken cancellationToken)
    {
        var events = new List<EmotionEvent>();
        try
        {
            await foreach (var item in session.ReadEventsAsync(cancellationToken))
                events.Add(item);
            return new RecognizeResult(events, session.Status);
        }
        catch (RpcException failed)
        {
            return new RecognizeResult(events, failed.Status);
        }
    }

    public static async Task<RecognizeResult> ReadAllAsync(EventSubscription subscription, CancellationToken cancellationToken,
        Action<EmotionEvent>? onEvent = null)
    {
        var events = new List<EmotionEvent>();
        try
        {
            await foreach (var item in subscription.ReadEventsAsync(cancellationToken))
            {
                events.Add(item);
                onEvent?.Invoke(item);
            }
            return new RecognizeResult(events, subscription.Status);
        }
        catch (RpcException failed)
        {
            return new RecognizeResult(events, failed.Status);
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (clients)
        {
            foreach (var client in clients)
                client.Dispose();
        }
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Server.StopAsync(limit.Token);
        await Server.DisposeAsync();
    }
}

/// <summary>What one call produced.</summary>
internal sealed record RecognizeResult(IReadOnlyList<EmotionEvent> Events, Status Status)
{
    public IReadOnlyList<Estimate> Estimates => Events.Where(e => e.EventCase == EmotionEvent.EventOneofCase.Estimate).Select(e => e.Estimate).ToArray();

    public StreamSummary? Summary => Events.LastOrDefault(e => e.EventCase == EmotionEvent.EventOneofCase.Summary)?.Summary;

    public StreamStarted? Started => Events.FirstOrDefault(e => e.EventCase == EmotionEvent.EventOneofCase.Started)?.Started;
}
