using PLDistill.Audio.Data;
using PLDistill.Cli.Tests.TestSupport;
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

    [Fact(Timeout = 120_000)]
    public async Task Watching_until_named_streams_end_says_which_are_not_open()
    {
        var runtime = TorchRuntime.Initialize(new TorchRuntimeOptions { Device = DeviceChoice.Cpu });
        var (model, metadata) = CheckpointFile.Load(Path.Combine(AppContext.BaseDirectory, "models", "default-student.pldckpt"));
        model.eval();
        var factory = new StudentRecognizerFactory(model, metadata.Features, metadata.Streaming,
            EmotionLabelSet.Parse(metadata.LabelSet), runtime.Device, "default");
        var options = new ServerOptions
        {
            Listen = new ListenSettings { Url = "http://127.0.0.1:0" },
            Metrics = new MetricsSettings { Enabled = false },
            Limits = new LimitSettings { ShutdownDrainSeconds = 1 },
            Auth = new AuthSettings { Tenants = [new TenantSettings { Name = "t", ApiKeySha256 = [ApiKeys.Hash(Key)] }] },
        };
        var server = PldServer.Create(options, factory);
        await server.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var watch = Pld.RunAsync("client", "watch", "--server", server.Address.ToString(), "--key", Key, "--stream", "cal-1", "--until-end");
            await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);   // subscribed and listed by now
            await server.DisposeAsync();                                                         // ends the watch (UNAVAILABLE)
            var result = await watch.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

            Assert.Contains("not open now: cal-1; followed if they start, so --until-end waits for them", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
