using System.Diagnostics;
using Grpc.Core;
using PLDistill.Api.V1;
using PLDistill.Server.Hub;
using PLDistill.Server.Observability;
using PLDistill.Server.Tests.TestSupport;

namespace PLDistill.Server.Tests.Hosting;

/// <summary>Clients that leave and servers that stop: every stream ends cleanly, subscribers learn why, nothing hangs.</summary>
public sealed class LifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public async Task A_client_cancelling_mid_stream_frees_its_slot_and_subscribers_see_it_end_as_cancelled()
    {
        await using var harness = await ServerHarness.StartAsync();
        var client = harness.Client();
        using var watcher = await ServerHarness.WatchAsync(client, new SubscribeRequest { StreamIds = { "leaver" }, UntilStreamsEnd = true }, Ct);

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var session = await client.StartRecognitionAsync(ServerHarness.Config("leaver"), cancel.Token);
        await session.SendAsync(TestModel.SpeechLinear16(16000, seed: 2), cancel.Token);
        await using (var events = session.ReadEventsAsync(cancel.Token).GetAsyncEnumerator(cancel.Token))
        {
            while (await events.MoveNextAsync() && events.Current.Estimate is null)
            {
            }
            await cancel.CancelAsync();   // mid-stream, after the first estimate, without half-closing
            await Assert.ThrowsAnyAsync<Exception>(async () => await events.MoveNextAsync());
        }

        var seen = await watcher.Result;
        Assert.Equal(StatusCode.OK, seen.Status.StatusCode);
        Assert.Equal(EndReason.Cancelled, seen.Summary!.EndReason);
        Assert.Equal(4, seen.Estimates.Count);   // the second received was still estimated, for the subscribers
        await Wait.UntilListed(client, streams => streams.Count == 0);
        Assert.Equal(0, harness.Get<ServerMetrics>().ActiveStreams.WithLabels("acme").Value);
        var again = await ServerHarness.RecognizeAsync(client, ServerHarness.Config("leaver"), TestModel.SpeechLinear16(4000, 1), 8000, cancellationToken: Ct);
        Assert.Equal(StatusCode.OK, again.Status.StatusCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task Stopping_the_server_mid_stream_sends_every_final_event_then_unavailable_and_refuses_new_calls()
    {
        var harness = await ServerHarness.StartAsync();
        await using var _ = harness;
        var client = harness.Client();
        var globex = harness.Client(ServerHarness.GlobexKey);
        using var watcher = await ServerHarness.WatchAsync(client, new SubscribeRequest(), Ct);
        using var idleWatcher = await ServerHarness.WatchAsync(globex, new SubscribeRequest(), Ct);   // follows nothing that is running

        var calls = new List<LiveCall>();
        for (int i = 0; i < 3; i++)
        {
            var call = await ServerHarness.OpenAsync(client, ServerHarness.Config($"live-{i}"), Ct);
            calls.Add(call);
            await call.Session.SendAsync(TestModel.SpeechLinear16(16000 + 1000 * i, seed: i), Ct);   // not half-closed
        }
        await Wait.UntilListed(client, streams => streams.Count == 3 && streams.All(s => s.Estimates >= 1));

        var clock = Stopwatch.StartNew();
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
            await harness.Server.StopAsync(limit.Token);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {clock.Elapsed}");

        for (int i = 0; i < 3; i++)
        {
            var result = await calls[i].Result;
            Assert.Equal(StatusCode.Unavailable, result.Status.StatusCode);
            Assert.Contains("the server is shutting down; the audio received so far was processed", result.Status.Detail, StringComparison.Ordinal);
            Assert.Equal(EndReason.ServerShutdown, result.Summary!.EndReason);
            Assert.Equal((16000 + 1000 * i) / 16000.0, result.Estimates[^1].AudioEnd.ToTimeSpan().TotalSeconds, 6);   // all audio estimated
            Assert.Equal(Enumerable.Range(0, result.Estimates.Count).Select(n => (long)n), result.Estimates.Select(e => e.Sequence));
            calls[i].Dispose();
        }
        var seen = await watcher.Result;
        Assert.Equal(StatusCode.Unavailable, seen.Status.StatusCode);
        Assert.Equal(3, seen.Events.Count(e => e.Summary is not null));
        Assert.Equal(calls.Sum(c => c.Result.Result.Estimates.Count), seen.Estimates.Count);
        var idle = await idleWatcher.Result;
        Assert.Equal(StatusCode.Unavailable, idle.Status.StatusCode);
        Assert.Empty(idle.Events);
        Assert.True(harness.Get<StreamHub>().IsStopping);

        var refused = await Assert.ThrowsAsync<RpcException>(() => client.ListStreamsAsync(Ct));
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task At_shutdown_a_backlog_longer_than_the_drain_time_ends_with_its_summary_before_the_subscribers_are_ended()
    {
        // The model takes 100 ms a hop; 30 hops are queued at once and the server stops with a 1 s drain. The stream
        // must end within the drain with what it estimated, and subscribers must get its summary before UNAVAILABLE.
        using var slow = new ManualResetEventSlim(false);
        var model = WrappedModel.SlowedBy(slow, TimeSpan.FromMilliseconds(100));
        var harness = await ServerHarness.StartAsync(o => o with
        {
            Limits = o.Limits with { ShutdownDrainSeconds = 1 },
            Engine = o.Engine with { QueueHops = 1000 },
        }, model);
        await using var _ = harness;
        slow.Set();
        var client = harness.Client();
        using var watcher = await ServerHarness.WatchAsync(client, new SubscribeRequest(), Ct);
        var config = ServerHarness.Config("backlog");
        config.Hop = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(100));
        using var call = await ServerHarness.OpenAsync(client, config, Ct);
        await call.Session.SendAsync(TestModel.SpeechLinear16(3 * 16000, seed: 3), Ct);
        await Wait.UntilListed(client, streams => streams.Count == 1 && streams[0].Estimates >= 1);

        var clock = Stopwatch.StartNew();
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
            await harness.Server.StopAsync(limit.Token);

        var result = await call.Result;
        Assert.Equal(StatusCode.Unavailable, result.Status.StatusCode);
        Assert.Equal(EndReason.ServerShutdown, result.Summary!.EndReason);
        Assert.True(result.Estimates.Count < 30, $"{result.Estimates.Count} estimates: the backlog was not cut by the drain");
        Assert.Contains("before the stream's audio was processed", result.Status.Detail, StringComparison.Ordinal);
        var seen = await watcher.Result;
        Assert.Equal(StatusCode.Unavailable, seen.Status.StatusCode);
        Assert.Contains("every stream's final events were sent", seen.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(EndReason.ServerShutdown, Assert.Single(seen.Events, e => e.Summary is not null).Summary.EndReason);
        Assert.Equal(result.Estimates.Count, seen.Estimates.Count);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"stopping took {clock.Elapsed}");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_load_balancer_watching_health_sees_not_serving_while_the_server_drains()
    {
        // A stream with a backlog keeps the server draining for its drain time (2 s); a health Watch opened before must
        // hear NOT_SERVING within it, so a load balancer stops routing new calls here while the open ones finish.
        using var slow = new ManualResetEventSlim(false);
        var model = WrappedModel.SlowedBy(slow, TimeSpan.FromMilliseconds(100));
        var harness = await ServerHarness.StartAsync(o => o with
        {
            Limits = o.Limits with { ShutdownDrainSeconds = 2 },
            Engine = o.Engine with { QueueHops = 1000 },
        }, model);
        await using var _ = harness;
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(harness.Address);
        var health = new Grpc.Health.V1.Health.HealthClient(channel);
        using var watch = health.Watch(new Grpc.Health.V1.HealthCheckRequest { Service = "" }, cancellationToken: Ct);
        Assert.True(await watch.ResponseStream.MoveNext(Ct));
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, watch.ResponseStream.Current.Status);
        slow.Set();
        var config = ServerHarness.Config("draining");
        config.Hop = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(100));
        using var call = await ServerHarness.OpenAsync(harness.Client(), config, Ct);
        await call.Session.SendAsync(TestModel.SpeechLinear16(5 * 16000, seed: 3), Ct);   // 50 hops: 5 s of model time

        var stopping = harness.Server.StopAsync(Ct);
        var clock = Stopwatch.StartNew();
        bool notServing = false;
        try
        {
            while (!notServing && await watch.ResponseStream.MoveNext(Ct))
                notServing = watch.ResponseStream.Current.Status == Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.NotServing;
        }
        catch (RpcException)
        {
            // The server ended the watch as it stopped.
        }

        Assert.True(notServing, $"no NOT_SERVING before the watch ended ({clock.Elapsed})");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"NOT_SERVING came after {clock.Elapsed}");
        await stopping;
    }
}
