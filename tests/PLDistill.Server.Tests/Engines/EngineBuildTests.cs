using Grpc.Core;
using PLDistill.Api.V1;
using PLDistill.Audio.Data;
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
        var model = new GatedBuildModel(TestModel.Factory(), streaming => streaming.HopMilliseconds == 500, () =>
        {
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
            Assert.Equal(1, model.Builds(500));
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
        var model = new GatedBuildModel(TestModel.Factory(), streaming => streaming.HopMilliseconds == 500, () =>
        {
            if (Interlocked.Decrement(ref failures) >= 0)
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
        Assert.Equal(2, model.Builds(500));
        Assert.Equal(2, harness.Get<EnginePool>().Keys.Count);
    }

    /// <summary>The test model, running <paramref name="duringBuild"/> inside every build of a configuration <paramref name="gated"/> selects.</summary>
    private sealed class GatedBuildModel(IRecognizerFactory inner, Func<StreamingParameters, bool> gated, Action duringBuild) : IRecognizerFactory
    {
        private readonly Dictionary<double, int> builds = [];

        public string Description => inner.Description;
        public int SampleRate => inner.SampleRate;
        public StreamingParameters Defaults => inner.Defaults;
        public EmotionLabelSet Labels => inner.Labels;
        public double MinWindowSeconds => inner.MinWindowSeconds;
        public double MaxWindowSeconds => inner.MaxWindowSeconds;

        public int Builds(double hopMilliseconds)
        {
            lock (builds)
                return builds.GetValueOrDefault(hopMilliseconds);
        }

        public IEmotionRecognizer Create(StreamingParameters streaming, EmotionLabelSet labels, int maxStreams)
        {
            lock (builds)
                builds[streaming.HopMilliseconds] = builds.GetValueOrDefault(streaming.HopMilliseconds) + 1;
            if (gated(streaming))
                duringBuild();
            return inner.Create(streaming, labels, maxStreams);
        }
    }
}
