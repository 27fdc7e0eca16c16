using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using PLDistill.Api.V1;
using PLDistill.Client;
using PLDistill.Server.Tests.TestSupport;

namespace PLDistill.Server.Tests.Calls;

/// <summary>The client library against the real server: what an integrator meets when things go wrong.</summary>
public sealed class ClientLibraryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public async Task One_set_of_headers_reused_for_many_calls_is_left_as_it_was_and_every_call_authenticates()
    {
        await using var harness = await ServerHarness.StartAsync();
        var client = harness.Client();
        var headers = new Metadata { { "x-request-tag", "monitor-7" } };

        for (int call = 0; call < 3; call++)
            Assert.NotNull(await client.Raw.ListStreamsAsync(new ListStreamsRequest(), headers, cancellationToken: Ct));

        var entry = Assert.Single(headers);
        Assert.Equal("x-request-tag", entry.Key);
    }

    [Fact(Timeout = 60_000)]
    public async Task Sending_after_the_server_ended_the_call_fails_with_the_calls_own_status_when_events_are_being_read()
    {
        await using var harness = await ServerHarness.StartAsync(o => o with { Limits = o.Limits with { MaxStreamDurationSeconds = 1 } });
        using var session = await harness.Client().StartRecognitionAsync(ServerHarness.Config("long"), Ct);
        var events = new List<EmotionEvent>();
        var reading = Task.Run(async () =>
        {
            await foreach (var item in session.ReadEventsAsync(Ct))
                events.Add(item);
        }, Ct);

        var failure = await SendUntilRefusedAsync(session);

        Assert.Equal(StatusCode.ResourceExhausted, failure.StatusCode);
        Assert.Contains("maximum duration", failure.Status.Detail, StringComparison.Ordinal);
        var ended = await Assert.ThrowsAsync<RpcException>(() => reading);
        Assert.Equal(StatusCode.ResourceExhausted, ended.StatusCode);
        Assert.Equal(EndReason.MaxDuration, events[^1].Summary.EndReason);   // nothing lost: the summary came
    }

    [Fact(Timeout = 60_000)]
    public async Task Sending_after_the_server_ended_the_call_with_nobody_reading_says_where_the_status_is_and_loses_no_event()
    {
        await using var harness = await ServerHarness.StartAsync(o => o with { Limits = o.Limits with { MaxStreamDurationSeconds = 1 } });
        using var session = await harness.Client().StartRecognitionAsync(ServerHarness.Config("long"), Ct);

        var failure = await SendUntilRefusedAsync(session);

        Assert.Equal(StatusCode.Unknown, failure.StatusCode);
        Assert.Contains("ReadEventsAsync", failure.Status.Detail, StringComparison.Ordinal);
        var events = new List<EmotionEvent>();
        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var item in session.ReadEventsAsync(Ct))
                events.Add(item);
        });
        Assert.Equal(StatusCode.ResourceExhausted, ended.StatusCode);
        Assert.Equal(EndReason.MaxDuration, events[^1].Summary.EndReason);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_send_paced_by_the_events_it_reads_fails_with_a_status_when_the_server_ends_the_call()
    {
        // The natural "send the next chunk when an estimate comes back" loop: the sender is the reader, paused at an
        // event while it sends. A send the server refuses must fail, not wait for a reader that is waiting for it.
        await using var harness = await ServerHarness.StartAsync(o => o with { Limits = o.Limits with { MaxStreamDurationSeconds = 1 } });
        using var session = await harness.Client().StartRecognitionAsync(ServerHarness.Config("paced"), Ct);
        byte[] chunk = TestModel.SpeechLinear16(3200, seed: 4);
        await session.SendAsync(chunk, Ct);
        await session.SendAsync(chunk, Ct);

        var failure = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var item in session.ReadEventsAsync(Ct))
            {
                await Task.Delay(300, Ct);   // the caller's own work on the event
                await session.SendAsync(chunk, Ct).WaitAsync(TimeSpan.FromSeconds(20), Ct);
            }
        });

        Assert.Contains(failure.StatusCode, new[] { StatusCode.ResourceExhausted, StatusCode.Unknown });
    }

    [Fact(Timeout = 60_000)]
    public async Task Cancelling_one_send_stops_its_wait_and_the_call_goes_on_with_every_estimate_and_the_summary()
    {
        await using var harness = await ServerHarness.StartAsync();
        using var session = await harness.Client().StartRecognitionAsync(ServerHarness.Config("cancelled-send"), Ct);
        var reading = Task.Run(async () =>
        {
            var events = new List<EmotionEvent>();
            await foreach (var item in session.ReadEventsAsync(Ct))
                events.Add(item);
            return events;
        }, Ct);
        byte[] second = TestModel.SpeechLinear16(16000, seed: 5);
        for (int i = 0; i < 3; i++)
            await session.SendAsync(second, Ct);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.SendAsync(second, new CancellationToken(canceled: true)));
        await session.SendAsync(second, Ct);   // the call is still open
        await session.CompleteAsync();
        var events = await reading;

        Assert.Equal(StatusCode.OK, session.Status.StatusCode);
        var summary = events[^1].Summary;
        Assert.Equal(EndReason.Completed, summary.EndReason);
        Assert.Equal(4, summary.AudioReceived.ToTimeSpan().TotalSeconds, precision: 3);   // the cancelled chunk was not sent
        Assert.Equal(16, events.Count(e => e.Estimate is not null));                      // one per 250 ms hop
        Assert.Equal(16, summary.Estimates);
    }

    [Fact(Timeout = 60_000)]
    public async Task Sending_after_completing_is_refused_at_once_as_misuse_and_completing_twice_is_harmless()
    {
        await using var harness = await ServerHarness.StartAsync();
        using var session = await harness.Client().StartRecognitionAsync(ServerHarness.Config("completed"), Ct);
        await session.SendAsync(TestModel.SpeechLinear16(16000, seed: 6), Ct);
        await session.CompleteAsync();
        await session.CompleteAsync();

        var misuse = await Assert.ThrowsAsync<InvalidOperationException>(() => session.SendAsync(TestModel.SpeechLinear16(3200, seed: 7), Ct));
        Assert.Contains("CompleteAsync", misuse.Message, StringComparison.Ordinal);
        var events = new List<EmotionEvent>();
        await foreach (var item in session.ReadEventsAsync(Ct))
            events.Add(item);
        Assert.Equal(EndReason.Completed, events[^1].Summary.EndReason);
    }

    // Sends 200 ms chunks of speech (far more than the server's 1 s limit) until a send or the completion fails.
    private static async Task<RpcException> SendUntilRefusedAsync(RecognitionSession session)
    {
        byte[] chunk = TestModel.SpeechLinear16(3200, seed: 4);
        try
        {
            for (int i = 0; i < 300; i++)
            {
                await session.SendAsync(chunk, Ct);
                await Task.Delay(10, Ct);
            }
            await session.CompleteAsync();
        }
        catch (RpcException refused)
        {
            return refused;
        }
        throw new Xunit.Sdk.XunitException("60 s of audio went out to a server that takes 1 s");
    }

    [Fact]
    public void Plaintext_to_another_machine_is_refused_unless_allowed_and_a_trusted_root_needs_tls()
    {
        var remote = new Uri("http://192.0.2.10:50051");   // TEST-NET-1: never contacted, Connect makes no call

        var cleartext = Assert.Throws<ArgumentException>(() => EmotionClient.Connect(remote, "key"));
        Assert.Contains("cleartext", cleartext.Message, StringComparison.Ordinal);
        using (EmotionClient.Connect(remote, "key", new EmotionClientOptions { AllowInsecure = true })) { }
        using (EmotionClient.Connect(new Uri("http://127.0.0.1:50051"), "key")) { }
        using (EmotionClient.Connect(new Uri("http://[::1]:50051"), "key")) { }

        using var rootKey = RSA.Create(2048);
        using var root = new CertificateRequest("CN=root", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var noTls = Assert.Throws<ArgumentException>(() =>
            EmotionClient.Connect(new Uri("http://127.0.0.1:50051"), "key", new EmotionClientOptions { TrustedRoot = root }));
        Assert.Contains("https://", noTls.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => EmotionClient.Connect(new Uri("ftp://127.0.0.1:50051"), "key"));
    }

    [Fact]
    public void A_certificate_of_the_trusted_ca_made_for_clients_only_is_not_accepted_as_the_servers()
    {
        using var rootKey = RSA.Create(2048);
        var rootRequest = new CertificateRequest("CN=pld-ca", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var root = rootRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var trustedRoot = X509CertificateLoader.LoadCertificate(root.Export(X509ContentType.Cert));

        X509Certificate2 Issue(string purpose, byte serial)
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(purpose)], false));
            return request.Create(root, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), [serial]);
        }
        using var server = Issue("1.3.6.1.5.5.7.3.1", 1);
        using var clientOnly = Issue("1.3.6.1.5.5.7.3.2", 2);

        Assert.True(EmotionClient.TrustedBy(trustedRoot, server, null, System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(EmotionClient.TrustedBy(trustedRoot, clientOnly, null, System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors));
    }
}
