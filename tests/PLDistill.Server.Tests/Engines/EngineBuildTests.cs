using Grpc.Core;
using PLDistill.Api.V1;
using PLDistill.Models.Checkpoints;
using PLDistill.Server.Engines;
using PLDistill.Server.Tests.TestSupport;
using PLDistill.Streaming.Inference;

namespace PLDistill.Server.Tests.Engines;

/// <summary>How the pool builds an engine for a new hop/window/label-set configuration: off its lock, once, and again after a failure.</summary>
public sealed class EngineBuildTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StreamConfig WithHop(string id, int milliseconds)
    {
        var config = ServerHarness.Config(id);
        config.Hop = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(milliseconds));
        return config;
    }

    [Fact(Timeout = 60_000)]
    public async Task A_configuration_whose_engine_is_slow_to_build_holds_up_no_stream_of_another()
    {
        using var building = new ManualResetEventSlim();
        using var mayFinish = new ManualResetEventSlim();
        var builds = new BuildCounter();
        var model = new WrappedModel(TestModel.Factory(), real => real, streaming =>
        {
            if (builds.Count(streaming) != 500)
                return;
            building.Set();
            mayFinish.Wait(TimeSpan.FromSeconds(50));
        });
        await using var harness = await ServerHarness.StartAsync(model: model);
        var client = harness.Client();
        try
        {
            var slow = Task.Run(() => ServerHarness.RecognizeAsync(client, WithHop("slow", 500), TestModel.SpeechLinear16(16000, seed: 1), 3200,
                                                                   cancellationToken: Ct), Ct);
            Assert.True(building.Wait(TimeSpan.FromSeconds(30), Ct), "the 500 ms engine's build never started");

            // While that build is stuck, a stream of the default configuration opens, gets every estimate and closes.
            var other = await ServerHarness.RecognizeAsync(client, ServerHarness.Config("other"), TestModel.SpeechLinear16(16000, seed: 2), 3200,
                                                           cancellationToken: Ct).WaitAsync(TimeSpan.FromSeconds(20), Ct);
            Assert.Equal(StatusCode.OK, other.Status.StatusCode);
            Assert.Equal(4, other.Estimates.Count);
            // A second stream of the slow configuration waits for the same build rather than starting another.
            var second = Task.Run(() => ServerHarness.RecognizeAsync(client, WithHop("slow-2", 500), TestModel.SpeechLinear16(16000, seed: 3), 3200,
                                                                     cancellationToken: Ct), Ct);
            await Task.Delay(300, Ct);
            Assert.False(slow.IsCompleted, "the slow stream finished before its engine was built");

            mayFinish.Set();
            foreach (var result in await Task.WhenAll(slow, second))
            {
                Assert.Equal(StatusCode.OK, result.Status.StatusCode);
                Assert.Equal(2, result.Estimates.Count);
            }
            Assert.Equal(1, builds.Of(500));
        }
        finally
        {
            mayFinish.Set();
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task A_failed_build_frees_its_slot_and_the_next_stream_builds_again()
    {
        int failures = 1;
        var builds = new BuildCounter();
        var model = new WrappedModel(TestModel.Factory(), real => real, streaming =>
        {
            if (builds.Count(streaming) == 500 && Interlocked.Decrement(ref failures) >= 0)
                throw new InvalidOperationException("the device is out of memory (injected)");
        });
        await using var harness = await ServerHarness.StartAsync(o => o with { Streaming = o.Streaming with { MaxConfigurations = 2 } }, model);
        var client = harness.Client();

        var failed = await ServerHarness.RecognizeAsync(client, WithHop("first", 500), TestModel.SpeechLinear16(16000, seed: 1), 3200, cancellationToken: Ct);
        Assert.NotEqual(StatusCode.OK, failed.Status.StatusCode);
        Assert.Equal([harness.Get<EnginePool>().DefaultKey], harness.Get<EnginePool>().Keys);

        var retried = await ServerHarness.RecognizeAsync(client, WithHop("again", 500), TestModel.SpeechLinear16(16000, seed: 1), 3200, cancellationToken: Ct);
        Assert.Equal(StatusCode.OK, retried.Status.StatusCode);
        Assert.Equal(2, retried.Estimates.Count);
        Assert.Equal(2, builds.Of(500));
        Assert.Equal(2, harness.Get<EnginePool>().Keys.Count);
    }

    /// <summary>Engine builds by hop.</summary>
    private sealed class BuildCounter
    {
        private readonly Dictionary<double, int> builds = [];

        /// <summary>Counts a build of <paramref name="streaming"/>; returns its hop.</summary>
        public double Count(StreamingParameters streaming)
        {
            lock (builds)
                builds[streaming.HopMilliseconds] = builds.GetValueOrDefault(streaming.HopMilliseconds) + 1;
            return streaming.HopMilliseconds;
        }

        public int Of(double hopMilliseconds)
        {
            lock (builds)
                return builds.GetValueOrDefault(hopMilliseconds);
        }
    }
}
