using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using PLDistill.Api.V1;
using PLDistill.Server.Tests.TestSupport;

namespace PLDistill.Server.Tests.Security;

/// <summary>The auth matrix: no key, a bad key, both header forms, another tenant's streams; health and reflection need no key.</summary>
public sealed class AuthTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public async Task Every_method_without_a_key_or_with_an_unknown_key_is_unauthenticated()
    {
        await using var harness = await ServerHarness.StartAsync();
        using var channel = GrpcChannel.ForAddress(harness.Address);
        var anonymous = new EmotionRecognition.EmotionRecognitionClient(channel);
        var wrong = harness.Client("not-a-key").Raw;
        var bearerJunk = new Metadata { { "authorization", "Basic abc" } };

        foreach (var (client, headers, expected) in new[]
                 {
                     (anonymous, (Metadata?)null, "no API key"),
                     (wrong, null, "not valid"),
                     (anonymous, bearerJunk, "Bearer"),
                 })
        {
            var list = await Assert.ThrowsAsync<RpcException>(async () => await client.ListStreamsAsync(new ListStreamsRequest(), headers, cancellationToken: Ct));
            Assert.Equal(StatusCode.Unauthenticated, list.StatusCode);
            Assert.Contains(expected, list.Status.Detail, StringComparison.Ordinal);

            using var subscribe = client.Subscribe(new SubscribeRequest(), headers, cancellationToken: Ct);
            var watch = await Assert.ThrowsAsync<RpcException>(() => subscribe.ResponseStream.MoveNext(Ct));
            Assert.Equal(StatusCode.Unauthenticated, watch.StatusCode);

            using var recognize = client.Recognize(headers, cancellationToken: Ct);
            var stream = await Assert.ThrowsAsync<RpcException>(() => recognize.ResponseStream.MoveNext(Ct));
            Assert.Equal(StatusCode.Unauthenticated, stream.StatusCode);
        }
        Assert.Empty(await harness.Client().ListStreamsAsync(Ct));   // nothing was opened
    }

    [Fact(Timeout = 60_000)]
    public async Task The_key_is_accepted_as_a_bearer_token_or_as_x_api_key()
    {
        await using var harness = await ServerHarness.StartAsync();
        using var channel = GrpcChannel.ForAddress(harness.Address);
        var raw = new EmotionRecognition.EmotionRecognitionClient(channel);
        await raw.ListStreamsAsync(new ListStreamsRequest(), new Metadata { { "x-api-key", ServerHarness.GlobexKey } }, cancellationToken: Ct);
        await raw.ListStreamsAsync(new ListStreamsRequest(), new Metadata { { "authorization", $"Bearer {ServerHarness.AcmeKey}" } }, cancellationToken: Ct);
    }

    [Fact(Timeout = 60_000)]
    public async Task Another_tenants_stream_is_permission_denied_and_the_same_id_in_two_tenants_are_two_streams()
    {
        await using var harness = await ServerHarness.StartAsync();
        var acme = harness.Client();
        var globex = harness.Client(ServerHarness.GlobexKey);
        byte[] audio = TestModel.SpeechLinear16(16000, seed: 3);

        // Both tenants run "call-1" at once; each watcher of all its tenant's streams sees only its own.
        using var acmeWatch = await acme.SubscribeAsync(new SubscribeRequest(), Ct);
        using var globexWatch = await ServerHarness.WatchAsync(globex, new SubscribeRequest { StreamIds = { "call-1" }, UntilStreamsEnd = true }, Ct);
        var runs = await Task.WhenAll(
            ServerHarness.RecognizeAsync(acme, ServerHarness.Config("call-1"), audio, 3200, cancellationToken: Ct),
            ServerHarness.RecognizeAsync(globex, ServerHarness.Config("call-1"), audio, 3200, cancellationToken: Ct));
        Assert.All(runs, r => Assert.Equal(StatusCode.OK, r.Status.StatusCode));
        Assert.All(runs[0].Events, e => Assert.Equal("tenants/acme/streams/call-1", e.Stream));
        Assert.All(runs[1].Events, e => Assert.Equal("tenants/globex/streams/call-1", e.Stream));
        var globexSeen = await globexWatch.Result;
        Assert.Equal(StatusCode.OK, globexSeen.Status.StatusCode);
        Assert.Equal(runs[1].Events.Count, globexSeen.Events.Count);
        Assert.All(globexSeen.Events, e => Assert.Equal("tenants/globex/streams/call-1", e.Stream));

        // Naming the other tenant's stream, in any method, is refused without revealing whether it exists.
        var subscribe = await Assert.ThrowsAsync<RpcException>(() =>
            acme.SubscribeAsync(new SubscribeRequest { StreamIds = { "tenants/globex/streams/call-1" } }, Ct));
        Assert.Equal(StatusCode.PermissionDenied, subscribe.StatusCode);
        Assert.Contains("another tenant", subscribe.Status.Detail, StringComparison.Ordinal);
        var recognize = await ServerHarness.RecognizeAsync(acme, ServerHarness.Config("tenants/globex/streams/new"), audio, 3200, cancellationToken: Ct);
        Assert.Equal(StatusCode.PermissionDenied, recognize.Status.StatusCode);
        Assert.Empty(recognize.Events);

        // The own tenant's full name is fine.
        var own = await ServerHarness.RecognizeAsync(acme, ServerHarness.Config("tenants/acme/streams/full"), audio, 3200, cancellationToken: Ct);
        Assert.Equal(StatusCode.OK, own.Status.StatusCode);
        Assert.Equal("full", own.Events[0].StreamId);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        stop.CancelAfter(TimeSpan.FromMilliseconds(500));
        var acmeSeen = await ServerHarness.ReadAllAsync(acmeWatch, stop.Token);
        Assert.NotEmpty(acmeSeen.Events);
        Assert.All(acmeSeen.Events, e => Assert.StartsWith("tenants/acme/", e.Stream, StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task Health_checking_and_reflection_need_no_key()
    {
        await using var harness = await ServerHarness.StartAsync();
        using var channel = GrpcChannel.ForAddress(harness.Address);
        var health = new Health.HealthClient(channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving,
            (await health.CheckAsync(new HealthCheckRequest(), cancellationToken: Ct)).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving,
            (await health.CheckAsync(new HealthCheckRequest { Service = "pldistill.v1.EmotionRecognition" }, cancellationToken: Ct)).Status);

        var reflection = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(channel);
        using var call = reflection.ServerReflectionInfo(cancellationToken: Ct);
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" }, Ct);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToArray();
        Assert.Contains("pldistill.v1.EmotionRecognition", services);
        Assert.Contains("grpc.health.v1.Health", services);
        Assert.Contains("grpc.reflection.v1.ServerReflection", services);
    }
}
