using Grpc.Core;
using PLDistill.Api.V1;
using PLDistill.Server.Tests.TestSupport;

namespace PLDistill.Server.Tests.Hub;

public sealed class ConcurrencyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 120_000)]
    public async Task A_hundred_concurrent_streams_each_get_every_estimate_in_order_and_so_do_their_subscribers()
    {
        const int streams = 100, hops = 8;
        await using var harness = await ServerHarness.StartAsync(o => o with
        {
            Limits = o.Limits with { MaxStreams = 128, MaxStreamsPerTenant = 64 },
            Engine = o.Engine with { MaxBatchWaitMilliseconds = 5 },
        });
        var acme = harness.Client();
        var globex = harness.Client(ServerHarness.GlobexKey);
        string TenantOf(int i) => i % 2 == 0 ? "acme" : "globex";
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        int summariesSeen = 0;
        void CountSummary(EmotionEvent e)
        {
            if (e.Summary is not null)
                Interlocked.Increment(ref summariesSeen);
        }
        var watchers = new (string Tenant, LiveWatch Watch)[]
        {
            ("acme", await ServerHarness.WatchAsync(acme, new SubscribeRequest(), stopWatching.Token, CountSummary)),
            ("globex", await ServerHarness.WatchAsync(globex, new SubscribeRequest(), stopWatching.Token, CountSummary)),
            ("acme", await ServerHarness.WatchAsync(acme, new SubscribeRequest { StreamIds = { Enumerable.Range(0, 10).Select(i => $"s{2 * i}") }, UntilStreamsEnd = true },
                stopWatching.Token)),
        };

        var audio = Enumerable.Range(0, streams).Select(i => TestModel.SpeechLinear16(TestModel.HopSamples * hops, seed: i)).ToArray();
        var results = await Task.WhenAll(Enumerable.Range(0, streams).Select(i => Task.Run(() =>
            ServerHarness.RecognizeAsync(i % 2 == 0 ? acme : globex, ServerHarness.Config($"s{i}"), audio[i], 3200, cancellationToken: Ct))));

        for (int i = 0; i < streams; i++)
        {
            var result = results[i];
            Assert.Equal(StatusCode.OK, result.Status.StatusCode);
            Assert.All(result.Events, e => Assert.Equal($"tenants/{TenantOf(i)}/streams/s{i}", e.Stream));
            Assert.Equal(hops + 2, result.Events.Count);
            Assert.Equal(Enumerable.Range(0, hops).Select(n => (long)n), result.Estimates.Select(e => e.Sequence));
            Assert.Equal(EndReason.Completed, result.Summary!.EndReason);
        }

        var named = await watchers[2].Watch.Result;
        Assert.Equal(StatusCode.OK, named.Status.StatusCode);
        // The callers may see their summaries a moment before the subscribers do: wait for all 100, then stop watching.
        await Wait.Until(() => Volatile.Read(ref summariesSeen) == streams);
        await stopWatching.CancelAsync();
        var all = await Task.WhenAll(watchers[0].Watch.Result, watchers[1].Watch.Result);
        for (int w = 0; w < watchers.Length; w++)
        {
            var seen = w == 2 ? named : all[w];
            var expected = Enumerable.Range(0, streams).Where(i => TenantOf(i) == watchers[w].Tenant && (w != 2 || i < 20)).ToArray();
            var byStream = seen.Events.GroupBy(e => e.Stream).ToDictionary(g => g.Key, g => g.ToArray());
            Assert.Equal(expected.Length, byStream.Count);
            foreach (int i in expected)
                Assert.Equal(results[i].Events, byStream[$"tenants/{TenantOf(i)}/streams/s{i}"]);   // same events, same order, none lost or repeated
        }
        foreach (var (_, watch) in watchers)
            watch.Dispose();
    }
}
