using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PLDistill.Api.V1;
using PLDistill.Server.Configuration;
using PLDistill.Server.Tests.TestSupport;
using PLDistill.Testing;

namespace PLDistill.Server.Tests.Calls;

/// <summary>Every limit ends or refuses a call with a clear status; streams that end on a limit still send their final events.</summary>
public sealed class LimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public async Task Streams_over_the_tenant_or_server_limit_are_resource_exhausted_and_duplicates_already_exist()
    {
        await using var harness = await ServerHarness.StartAsync(o => o with
        {
            Limits = o.Limits with { MaxStreams = 3 },
            Auth = o.Auth with { Tenants = [o.Auth.Tenants[0] with { MaxStreams = 2 }, o.Auth.Tenants[1]] },
        });
        var acme = harness.Client();
        var globex = harness.Client(ServerHarness.GlobexKey);
        using var a1 = await acme.StartRecognitionAsync(ServerHarness.Config("a1"), Ct);
        using var a2 = await acme.StartRecognitionAsync(ServerHarness.Config("a2"), Ct);
        await Wait.UntilListed(acme, streams => streams.Count == 2);

        var duplicate = await ServerHarness.RecognizeAsync(acme, ServerHarness.Config("a1"), [], 1, cancellationToken: Ct);
        Assert.Equal(StatusCode.AlreadyExists, duplicate.Status.StatusCode);
        Assert.Contains("stream 'a1' is already open for this tenant", duplicate.Status.Detail, StringComparison.Ordinal);

        var tenantFull = await ServerHarness.RecognizeAsync(acme, ServerHarness.Config("a3"), [], 1, cancellationToken: Ct);
        Assert.Equal(StatusCode.ResourceExhausted, tenantFull.Status.StatusCode);
        Assert.Contains("tenant 'acme' already has 2 open streams, its limit", tenantFull.Status.Detail, StringComparison.Ordinal);

        using var g1 = await globex.StartRecognitionAsync(ServerHarness.Config("g1"), Ct);
        await Wait.UntilListed(globex, streams => streams.Count == 1);
        var serverFull = await ServerHarness.RecognizeAsync(globex, ServerHarness.Config("g2"), [], 1, cancellationToken: Ct);
        Assert.Equal(StatusCode.ResourceExhausted, serverFull.Status.StatusCode);
        Assert.Contains("the server is at its limit of 3 open streams", serverFull.Status.Detail, StringComparison.Ordinal);

        // A slot freed is a slot usable again.
        await a1.CompleteAsync();
        var a1Result = await ServerHarness.ReadAllAsync(a1, Ct);
        Assert.Equal(StatusCode.OK, a1Result.Status.StatusCode);
        var again = await ServerHarness.RecognizeAsync(acme, ServerHarness.Config("a1"), TestModel.SpeechLinear16(4000, 1), 8000, cancellationToken: Ct);
        Assert.Equal(StatusCode.OK, again.Status.StatusCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task No_audio_for_the_idle_timeout_ends_the_stream_with_deadline_exceeded_after_its_final_events()
    {
        await using var harness = await ServerHarness.StartAsync(o => o with { Limits = o.Limits with { IdleTimeoutSeconds = 1 } });
        using var call = await ServerHarness.OpenAsync(harness.Client(), ServerHarness.Config("quiet"), Ct);
        await call.Session.SendAsync(TestModel.SpeechLinear16(6000, seed: 8), Ct);   // 1.5 hops
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 4; i++)
        {
            await call.Session.SendAsync(ReadOnlyMemory<byte>.Empty, Ct);   // empty chunks are not audio
            await Task.Delay(200, Ct);
        }
        var result = await call.Result;

        Assert.InRange(clock.Elapsed.TotalSeconds, 0.8, 10);
        Assert.Equal(StatusCode.DeadlineExceeded, result.Status.StatusCode);
        Assert.Contains("no audio for 1 s (the server's idle timeout)", result.Status.Detail, StringComparison.Ordinal);
        Assert.Equal([0.25, 0.375], result.Estimates.Select(e => e.AudioEnd.ToTimeSpan().TotalSeconds));   // the partial hop too
        Assert.Equal(EndReason.IdleTimeout, result.Summary!.EndReason);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_stream_longer_than_the_maximum_duration_is_resource_exhausted_after_its_final_events()
    {
        await using var harness = await ServerHarness.StartAsync(o => o with { Limits = o.Limits with { MaxStreamDurationSeconds = 1 } });
        var result = await ServerHarness.RecognizeAsync(harness.Client(), ServerHarness.Config("long"),
            TestModel.SpeechLinear16(16000 * 3, seed: 8), 3200, complete: false, cancellationToken: Ct);

        Assert.Equal(StatusCode.ResourceExhausted, result.Status.StatusCode);
        Assert.Contains("the stream reached the server's maximum duration of 1 s", result.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(EndReason.MaxDuration, result.Summary!.EndReason);
        Assert.Equal(TimeSpan.FromSeconds(1), result.Summary.AudioReceived.ToTimeSpan());
        Assert.Equal(4, result.Estimates.Count);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_caller_that_stays_connected_past_the_maximum_wall_time_is_told_so_not_that_it_was_idle()
    {
        // A live caller's wall time runs out before its audio total does. The timer for the next message was armed for
        // the duration limit; it fires a few ms early by the precise clock, which used to read as an idle timeout
        // (13 calls of 25). Five calls: each must end on its duration.
        await using var harness = await ServerHarness.StartAsync(o => o with { Limits = o.Limits with { MaxStreamDurationSeconds = 1, IdleTimeoutSeconds = 20 } });
        for (int call = 0; call < 5; call++)
        {
            var result = await ServerHarness.RecognizeAsync(harness.Client(), ServerHarness.Config($"live-{call}"),
                TestModel.SpeechLinear16(800, seed: 8), 1600, complete: false, cancellationToken: Ct);   // 50 ms, then silence

            Assert.True(result.Status.StatusCode == StatusCode.ResourceExhausted, $"call {call}: {result.Status}");
            Assert.Equal(EndReason.MaxDuration, result.Summary!.EndReason);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task A_stream_id_can_be_retried_moments_after_its_client_cancelled()
    {
        // The cancelled call's received audio is still estimated for its subscribers, holding the id for moments: a
        // client reconnecting at once is told to retry (UNAVAILABLE, which retry policies retry), never ALREADY_EXISTS.
        await using var harness = await ServerHarness.StartAsync();
        var client = harness.Client();
        using (var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            using var session = await client.StartRecognitionAsync(ServerHarness.Config("retry"), cancel.Token);
            await session.SendAsync(TestModel.SpeechLinear16(4 * 16000, seed: 2), cancel.Token);
            await using var events = session.ReadEventsAsync(cancel.Token).GetAsyncEnumerator(cancel.Token);
            while (await events.MoveNextAsync() && events.Current.Estimate is null)
            {
            }
            await cancel.CancelAsync();
        }

        var statuses = new List<StatusCode>();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var again = await ServerHarness.RecognizeAsync(client, ServerHarness.Config("retry"), TestModel.SpeechLinear16(4000, 1), 8000, cancellationToken: Ct);
            statuses.Add(again.Status.StatusCode);
            if (again.Status.StatusCode != StatusCode.Unavailable || clock.Elapsed > TimeSpan.FromSeconds(30))
                break;
            Assert.Contains("retry in a moment", again.Status.Detail, StringComparison.Ordinal);
            await Task.Delay(100, Ct);
        }
        Assert.Equal(StatusCode.OK, statuses[^1]);
        Assert.DoesNotContain(StatusCode.AlreadyExists, statuses);
    }

    [Fact(Timeout = 60_000)]
    public async Task More_hop_window_configurations_than_the_server_runs_are_resource_exhausted_until_one_is_idle()
    {
        await using var harness = await ServerHarness.StartAsync(o => o with { Streaming = o.Streaming with { MaxConfigurations = 2 } });
        var client = harness.Client();
        StreamConfig WithHop(string id, int ms)
        {
            var config = ServerHarness.Config(id);
            config.Hop = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(ms));
            return config;
        }
        using var open = await client.StartRecognitionAsync(WithHop("h500", 500), Ct);   // default + 500 ms: two engines
        await Wait.UntilListed(client, streams => streams.Count == 1);
        using var keepDefault = await client.StartRecognitionAsync(ServerHarness.Config("default"), Ct);
        await Wait.UntilListed(client, streams => streams.Count == 2);

        var refused = await ServerHarness.RecognizeAsync(client, WithHop("h1000", 1000), [], 1, cancellationToken: Ct);
        Assert.Equal(StatusCode.ResourceExhausted, refused.Status.StatusCode);
        Assert.Contains("the server runs at most 2 hop/window/label-set configurations at once", refused.Status.Detail, StringComparison.Ordinal);

        await open.CompleteAsync();
        Assert.Equal(StatusCode.OK, (await ServerHarness.ReadAllAsync(open, Ct)).Status.StatusCode);
        var accepted = await ServerHarness.RecognizeAsync(client, WithHop("h1000", 1000), TestModel.SpeechLinear16(16000, 2), 3200, cancellationToken: Ct);
        Assert.Equal(StatusCode.OK, accepted.Status.StatusCode);
        Assert.Single(accepted.Estimates);
    }

    [Fact(Timeout = 60_000)]
    public async Task Subscriber_limits_and_bad_subscribe_requests_are_refused_precisely()
    {
        await using var harness = await ServerHarness.StartAsync(o => o with { Limits = o.Limits with { MaxSubscribersPerTenant = 1, MaxReplaySeconds = 5 } });
        var client = harness.Client();
        var replay = await Assert.ThrowsAsync<RpcException>(() =>
            client.SubscribeAsync(new SubscribeRequest { Replay = Duration.FromTimeSpan(TimeSpan.FromSeconds(6)) }, Ct));
        Assert.Equal(StatusCode.InvalidArgument, replay.StatusCode);
        Assert.Contains("replay 6 s: this server keeps at most 5 s", replay.Status.Detail, StringComparison.Ordinal);
        // A duration protobuf allows but TimeSpan cannot hold (10^12 s) is the same clear refusal, not an internal error.
        var huge = await Assert.ThrowsAsync<RpcException>(() =>
            client.SubscribeAsync(new SubscribeRequest { Replay = new Duration { Seconds = 1_000_000_000_000 } }, Ct));
        Assert.Equal(StatusCode.InvalidArgument, huge.StatusCode);
        Assert.Contains("replay 1000000000000 s: this server keeps at most 5 s", huge.Status.Detail, StringComparison.Ordinal);

        var untilAll = await Assert.ThrowsAsync<RpcException>(() => client.SubscribeAsync(new SubscribeRequest { UntilStreamsEnd = true }, Ct));
        Assert.Equal(StatusCode.InvalidArgument, untilAll.StatusCode);
        Assert.Contains("until_streams_end needs stream_ids", untilAll.Status.Detail, StringComparison.Ordinal);

        var badId = await Assert.ThrowsAsync<RpcException>(() => client.SubscribeAsync(new SubscribeRequest { StreamIds = { "ok", "no/slash" } }, Ct));
        Assert.Equal(StatusCode.InvalidArgument, badId.StatusCode);
        Assert.Contains("stream_ids[1] 'no/slash'", badId.Status.Detail, StringComparison.Ordinal);

        using var first = await client.SubscribeAsync(new SubscribeRequest(), Ct);
        var second = await Assert.ThrowsAsync<RpcException>(() => client.SubscribeAsync(new SubscribeRequest(), Ct));
        Assert.Equal(StatusCode.ResourceExhausted, second.StatusCode);
        Assert.Contains("tenant 'acme' already has 1 open Subscribe calls, its limit", second.Status.Detail, StringComparison.Ordinal);
        using var otherTenant = await harness.Client(ServerHarness.GlobexKey).SubscribeAsync(new SubscribeRequest(), Ct);   // per tenant
    }

    [Fact(Timeout = 120_000)]
    public async Task A_caller_that_does_not_read_its_events_is_ended_with_resource_exhausted_and_others_are_unaffected()
    {
        await using var harness = await ServerHarness.StartAsync(o => o with { Limits = o.Limits with { EventBuffer = 16 } });
        var client = harness.Client();
        bool ended = false;
        using var watcher = await ServerHarness.WatchAsync(client, new SubscribeRequest { StreamIds = { "flood" }, UntilStreamsEnd = true }, Ct,
            e => Volatile.Write(ref ended, ended || e.Summary is not null));
        byte[] second = TestModel.SpeechLinear16(16000, seed: 6);
        var bystander = ServerHarness.RecognizeAsync(client, ServerHarness.Config("bystander"), [.. second, .. second], 3200, cancellationToken: Ct);

        // Audio as fast as it goes, never reading the responses: HTTP/2 flow control lets some events through, then the
        // caller's 16-event buffer fills and the server ends the stream (hops of 100 ms make events come faster). The client's
        // 64 KiB HTTP/2 stream window holds ~400 events, so this takes a few hundred model steps.
        var config = ServerHarness.Config("flood");
        config.Hop = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(100));
        using var session = await client.StartRecognitionAsync(config, Ct);
        var sending = Task.Run(async () =>
        {
            try
            {
                for (int i = 0; i < 600 && !Volatile.Read(ref ended); i++)
                    await session.SendAsync(second, Ct);
            }
            catch (Exception stopped) when (stopped is not OperationCanceledException)
            {
                // The call ended under a pending write.
            }
        }, Ct);
        await Wait.Until(() => Volatile.Read(ref ended), seconds: 100);

        // Reading now, the caller gets what was queued for it and a clear status.
        var result = await ServerHarness.ReadAllAsync(session, Ct);
        Assert.Equal(StatusCode.ResourceExhausted, result.Status.StatusCode);
        Assert.Contains("the response stream was not read fast enough (16 events were waiting)", result.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, result.Estimates.Count).Select(i => (long)i), result.Estimates.Select(e => e.Sequence));
        session.Dispose();
        await sending;

        var seen = await watcher.Result;
        Assert.Equal(StatusCode.OK, seen.Status.StatusCode);
        Assert.Equal(EndReason.CallerTooSlow, seen.Summary!.EndReason);
        Assert.Equal(seen.Estimates.Count, seen.Summary.Estimates);
        Assert.True(seen.Estimates.Count > result.Estimates.Count);
        Assert.Equal(Enumerable.Range(0, seen.Estimates.Count).Select(i => (long)i), seen.Estimates.Select(e => e.Sequence));   // the watcher lost nothing

        var other = await bystander;
        Assert.Equal(StatusCode.OK, other.Status.StatusCode);
        Assert.Equal(8, other.Estimates.Count);
        Assert.Equal(1, harness.Get<PLDistill.Server.Observability.ServerMetrics>().SubscriberOverflows.WithLabels("acme").Value);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_subscriber_that_stops_reading_keeps_its_place_until_the_server_ends_its_call()
    {
        // A dashboard that subscribes and never reads: when its events overflow, it must not free its place in the tenant's
        // subscriber limit while its call stays open (a client could then open subscription after subscription); the server
        // ends the call once the drain time has passed, and only then is the place free.
        await using var harness = await ServerHarness.StartAsync(o => o with
        {
            Limits = o.Limits with { EventBuffer = 16, MaxSubscribersPerTenant = 1, ShutdownDrainSeconds = 3 },
        });
        var metrics = harness.Get<PLDistill.Server.Observability.ServerMetrics>();
        var client = harness.Client();
        using var stuck = await client.SubscribeAsync(new SubscribeRequest(), Ct);   // never read

        // A caller that reads its own events floods the tenant with estimates (100 ms hops, audio as fast as it goes).
        var config = ServerHarness.Config("flood");
        config.Hop = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(100));
        using var session = await client.StartRecognitionAsync(config, Ct);
        var reading = ServerHarness.ReadAllAsync(session, Ct);
        byte[] second = TestModel.SpeechLinear16(16000, seed: 7);
        for (int i = 0; i < 1000 && metrics.SubscriberOverflows.WithLabels("acme").Value < 1; i++)
            await session.SendAsync(second, Ct);
        Assert.Equal(1, metrics.SubscriberOverflows.WithLabels("acme").Value);

        var refused = await Assert.ThrowsAsync<RpcException>(() => client.SubscribeAsync(new SubscribeRequest(), Ct));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal(1, metrics.ActiveSubscribers.WithLabels("acme").Value);

        await Wait.Until(() => metrics.ActiveSubscribers.WithLabels("acme").Value == 0, seconds: 30);
        using var again = await client.SubscribeAsync(new SubscribeRequest(), Ct);
        Assert.Equal(1, metrics.ActiveSubscribers.WithLabels("acme").Value);

        await session.CompleteAsync();
        Assert.Equal(StatusCode.OK, (await reading).Status.StatusCode);   // the caller itself was never behind
    }

    [Fact(Timeout = 120_000)]
    public async Task A_caller_that_stops_reading_after_half_closing_never_gets_ok_for_lost_events()
    {
        // The caller sends 60 s of audio at once into a queue that holds it all, half-closes, and does not read: the
        // estimates of that audio come after the half-close and overflow its 16-event queue. The call must not end OK.
        // The 600 hops' backlog may take long on a machine busy with the other test assemblies; the server waits for it
        // while it moves (it once ended such a stream INTERNAL after a fixed drain + 10 s).
        await using var harness = await ServerHarness.StartAsync(o => o with
        {
            Limits = o.Limits with { EventBuffer = 16 },
            Engine = o.Engine with { QueueHops = 1000 },
        });
        var metrics = harness.Get<PLDistill.Server.Observability.ServerMetrics>();
        var config = ServerHarness.Config("tail");
        config.Hop = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(100));
        using var session = await harness.Client().StartRecognitionAsync(config, Ct);
        byte[] audio = TestModel.SpeechLinear16(60 * 16000, seed: 8);   // 600 estimates; the client's HTTP/2 window holds ~400
        try
        {
            for (int start = 0; start < audio.Length; start += 64_000)
                await session.SendAsync(audio.AsMemory(start, Math.Min(64_000, audio.Length - start)), Ct);
            await session.CompleteAsync();
        }
        catch (RpcException)
        {
            // On a loaded machine the overflow can come before the half-close: the server then ends the call first, for
            // the same reason, and its status is read below all the same.
        }
        await Wait.Until(() => metrics.SubscriberOverflows.WithLabels("acme").Value >= 1, seconds: 100);

        var result = await ServerHarness.ReadAllAsync(session, Ct);
        Assert.True(result.Status.StatusCode == StatusCode.ResourceExhausted, result.Status.ToString());
        Assert.Contains("not read fast enough", result.Status.Detail, StringComparison.Ordinal);
        Assert.True(result.Estimates.Count < 600, $"{result.Estimates.Count} estimates arrived");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_backlog_that_keeps_moving_is_estimated_however_long_it_takes()
    {
        // 40 hops queued at once, then half-closed; the model takes 100 ms a hop, so the backlog needs about 4 s: four
        // times the server's patience (no drain, a 1 s stall timeout) as a total, but never 1 s without progress.
        using var slow = new ManualResetEventSlim(false);
        var model = WrappedModel.SlowedBy(slow, TimeSpan.FromMilliseconds(100));
        await using var harness = await ServerHarness.StartAsync(o => o with
        {
            Limits = o.Limits with { ShutdownDrainSeconds = 0, StallTimeoutSeconds = 1 },
            Engine = o.Engine with { QueueHops = 1000 },
        }, model);
        slow.Set();   // after the warm-up
        var config = ServerHarness.Config("backlog");
        config.Hop = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(100));

        var clock = Stopwatch.StartNew();
        var result = await ServerHarness.RecognizeAsync(harness.Client(), config, TestModel.SpeechLinear16(4 * 16000, 3), 64_000, cancellationToken: Ct);

        Assert.True(result.Status.StatusCode == StatusCode.OK, result.Status.ToString());
        Assert.Equal(EndReason.Completed, result.Summary!.EndReason);
        Assert.Equal(40, result.Estimates.Count);
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(3), $"the backlog took only {clock.Elapsed}: it did not test the patience");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_model_that_stops_making_progress_fails_the_stream_after_the_stall_timeout()
    {
        using var running = new ManualResetEventSlim(true);
        var model = new WrappedModel(TestModel.Factory(), real => new FaultInjectingRecognizer(real, beforeAdvance: _ => running.Wait()));
        await using var harness = await ServerHarness.StartAsync(o => o with
        {
            Limits = o.Limits with { ShutdownDrainSeconds = 0, StallTimeoutSeconds = 1 },
            Engine = o.Engine with { QueueHops = 1000 },
        }, model);
        running.Reset();   // the model hangs from the first hop after the warm-up
        try
        {
            var clock = Stopwatch.StartNew();
            var result = await ServerHarness.RecognizeAsync(harness.Client(), ServerHarness.Config("hung"), TestModel.SpeechLinear16(16000, 4), 32_000,
                cancellationToken: Ct);

            Assert.Equal(StatusCode.Internal, result.Status.StatusCode);
            Assert.Matches("^internal error: the server failed to process this stream \\(incident [0-9a-f]{12}\\)$", result.Status.Detail);
            Assert.Equal(EndReason.Failed, result.Summary!.EndReason);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"a hung model held the call for {clock.Elapsed}");
        }
        finally
        {
            running.Set();   // let the engine's thread go, so the server can stop
        }
    }
}
