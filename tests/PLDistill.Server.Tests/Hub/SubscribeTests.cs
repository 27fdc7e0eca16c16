using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PLDistill.Api.V1;
using PLDistill.Server.Tests.TestSupport;

namespace PLDistill.Server.Tests.Hub;

public sealed class SubscribeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public async Task Replay_gives_the_last_seconds_then_live_events_with_no_gap_and_no_duplicate()
    {
        await using var harness = await ServerHarness.StartAsync();
        var client = harness.Client();
        using var call = await ServerHarness.OpenAsync(client, ServerHarness.Config("replayed"), Ct);
        await call.Session.SendAsync(TestModel.SpeechLinear16(16000 * 3, seed: 7), Ct);   // 12 hops
        await Wait.UntilListed(client, streams => streams is [{ Estimates: 12 }]);   // listed once the server has read the first message

        using var late = await ServerHarness.WatchAsync(client, new SubscribeRequest
        {
            StreamIds = { "replayed" },
            Replay = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
            UntilStreamsEnd = true,
        }, Ct);
        await call.Session.SendAsync(TestModel.SpeechLinear16(16000, seed: 8), Ct);   // 4 more, live
        await call.Session.CompleteAsync();
        var own = await call.Result;
        var seen = await late.Result;

        Assert.Equal(StatusCode.OK, own.Status.StatusCode);
        Assert.Equal(StatusCode.OK, seen.Status.StatusCode);
        Assert.Equal(EmotionEvent.EventOneofCase.Started, seen.Events[0].EventCase);
        Assert.Equal(own.Started, seen.Started);
        // Replay: estimates whose audio ends within the last second (2.0 .. 3.0 s: sequences 7..11), then 12..15 live.
        Assert.Equal(Enumerable.Range(7, 9).Select(i => (long)i), seen.Estimates.Select(e => e.Sequence));
        Assert.Equal(own.Estimates.Skip(7), seen.Estimates);
        Assert.Equal(own.Summary, seen.Summary);
    }

    [Fact(Timeout = 60_000)]
    public async Task Subscribing_to_named_streams_follows_streams_that_start_later_and_only_those()
    {
        await using var harness = await ServerHarness.StartAsync();
        var client = harness.Client();
        using var watcher = await ServerHarness.WatchAsync(client, new SubscribeRequest { StreamIds = { "wanted", "tenants/acme/streams/also" }, UntilStreamsEnd = true }, Ct);
        byte[] audio = TestModel.SpeechLinear16(8000, seed: 1);
        var runs = await Task.WhenAll(
            ServerHarness.RecognizeAsync(client, ServerHarness.Config("wanted"), audio, 1600, cancellationToken: Ct),
            ServerHarness.RecognizeAsync(client, ServerHarness.Config("unwanted"), audio, 1600, cancellationToken: Ct),
            ServerHarness.RecognizeAsync(client, ServerHarness.Config("also"), audio, 1600, cancellationToken: Ct));
        var seen = await watcher.Result;

        Assert.Equal(StatusCode.OK, seen.Status.StatusCode);   // ended by itself once both named streams had ended
        Assert.Equal(["also", "wanted"], seen.Events.Select(e => e.StreamId).Distinct().Order());
        Assert.Equal(runs[0].Events, seen.Events.Where(e => e.StreamId == "wanted"));
        Assert.Equal(runs[2].Events, seen.Events.Where(e => e.StreamId == "also"));
    }
}
