using PLDistill.Api.V1;
using PLDistill.Audio.Data;
using PLDistill.Cli.Tests.TestSupport;
using PLDistill.Client;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Runtime;
using PLDistill.Server.Configuration;
using PLDistill.Server.Engines;
using PLDistill.Server.Hosting;
using PLDistill.Server.Security;

namespace PLDistill.Cli.Tests;

/// <summary><c>pld client watch</c> against a real server in this process.</summary>
public sealed class ClientWatchTests
{
    private const string Key = "watch-test-key";

    // The whole of stderr in the failure message: it is the watch's account of what happened.
    private static void Says(string expected, PldResult result) =>
        Assert.True(result.Error.Contains(expected, StringComparison.Ordinal), $"stderr lacks \"{expected}\":\n{result.Error}");

    private static async Task<PldServer> StartServerAsync(int port = 0)
    {
        var runtime = TorchRuntime.Initialize(new TorchRuntimeOptions { Device = DeviceChoice.Cpu });
        var (model, metadata) = CheckpointFile.Load(Path.Combine(AppContext.BaseDirectory, "models", "default-student.pldckpt"));
        model.eval();
        var factory = new StudentRecognizerFactory(model, metadata.Features, metadata.Streaming,
            EmotionLabelSet.Parse(metadata.LabelSet), runtime.Device, "default");
        var options = new ServerOptions
        {
            Listen = new ListenSettings { Url = $"http://127.0.0.1:{port}" },
            Metrics = new MetricsSettings { Enabled = false },
            Limits = new LimitSettings { ShutdownDrainSeconds = 1 },
            Auth = new AuthSettings { Tenants = [new TenantSettings { Name = "t", ApiKeySha256 = [ApiKeys.Hash(Key)] }] },
        };
        var server = PldServer.Create(options, factory);
        await server.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    [Fact(Timeout = 120_000)]
    public async Task Watching_until_named_streams_end_says_which_are_not_open()
    {
        var server = await StartServerAsync();
        try
        {
            var watch = Pld.RunAsync("client", "watch", "--server", server.Address.ToString(), "--key", Key, "--stream", "cal-1", "--until-end", "--no-reconnect");
            await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);   // subscribed and listed by now
            await server.DisposeAsync();                      // ends the watch (UNAVAILABLE), as --no-reconnect asks
            var result = await watch.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

            Says("not open now: cal-1; followed if they start, so --until-end waits for them", result);
            Assert.Equal(3, result.ExitCode);
            Says("pld: error: server: Unavailable: the server is shutting down", result);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task A_watch_outlives_a_server_restart_and_shows_the_new_servers_streams()
    {
        var first = await StartServerAsync();
        int port = first.Address.Port;
        PldServer? second = null;
        try
        {
            var watch = Pld.RunAsync("client", "watch", "--server", first.Address.ToString(), "--key", Key, "--stream", "after-restart", "--until-end");
            await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
            await first.DisposeAsync();
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);   // at least one failed attempt while no server listens
            second = await StartServerAsync(port);

            // A stream on the restarted server: the watch must come back in time to see it (its pause is at most 10 s).
            using var client = EmotionClient.Connect(second.Address, Key);
            await Task.Delay(TimeSpan.FromSeconds(11), TestContext.Current.CancellationToken);
            float[] audio = new float[16_000];
            var random = new Random(4);
            for (int i = 0; i < audio.Length; i++)
                audio[i] = (float)(0.1 * Math.Sin(2 * Math.PI * 180 * i / 16_000.0) + 0.01 * (random.NextDouble() - 0.5));
            using (var session = await client.StartRecognitionAsync(new StreamConfig
                   {
                       StreamId = "after-restart", Encoding = AudioEncoding.Float32, SampleRateHz = 16_000, Channels = 1,
                   }, TestContext.Current.CancellationToken))
            {
                await session.SendSamplesAsync(audio, TestContext.Current.CancellationToken);
                await session.CompleteAsync();
                await foreach (var _ in session.ReadEventsAsync(TestContext.Current.CancellationToken))
                {
                }
            }
            var result = await watch.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

            Assert.Equal(0, result.ExitCode);
            Says("connection lost: the server is shutting down", result);
            Says("cannot subscribe", result);   // the attempts while nothing listened
            Says("reconnected; watching again", result);
            // The restarted server's stream under its name: its estimates (sent at once, the server's default live
            // policy may merge the four hops into fewer) and its end.
            var lines = result.Output.Split('\n').Where(line => line.StartsWith("after-restart", StringComparison.Ordinal)).ToArray();
            Assert.True(lines.Any(line => line.Contains('%')) && lines.Any(line => line.Contains("ended (Completed)", StringComparison.Ordinal)),
                        $"the watch did not show after-restart's estimates and end:\n{result.Output}");
        }
        finally
        {
            await first.DisposeAsync();
            if (second is not null)
                await second.DisposeAsync();
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task A_watch_with_a_duration_ends_on_time_and_exits_3_if_no_server_was_there()
    {
        // A port nothing listens on: bound and released at once.
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        var started = DateTime.UtcNow;
        var result = await Pld.RunAsync("client", "watch", "--server", $"http://127.0.0.1:{port}", "--key", Key, "--duration", "2")
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(3, result.ExitCode);
        Assert.InRange((DateTime.UtcNow - started).TotalSeconds, 1.9, 20);
        Says("cannot subscribe", result);
        Says("trying again in 0.5 s", result);
        Says("trying again in 1 s", result);
        Says("pld: error: server: Unavailable", result);

        var server = await StartServerAsync();
        try
        {
            var connected = await Pld.RunAsync("client", "watch", "--server", server.Address.ToString(), "--key", Key, "--duration", "1")
                .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            Assert.Equal(0, connected.ExitCode);
            Says("watching every stream of the tenant", connected);

            var bad = await Pld.RunAsync("client", "watch", "--server", server.Address.ToString(), "--key", Key, "--duration", "0");
            Assert.Equal(2, bad.ExitCode);
            Says("--duration 0: give a number of seconds above 0", bad);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
