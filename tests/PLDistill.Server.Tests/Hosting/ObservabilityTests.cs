using System.Net;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using PLDistill.Api.V1;
using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Server.Engines;
using PLDistill.Server.Tests.TestSupport;
using PLDistill.Testing;
using PLDistill.Streaming.Inference;

namespace PLDistill.Server.Tests.Hosting;

public sealed class ObservabilityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public async Task The_metrics_endpoint_reports_streams_hops_latency_and_calls_by_status_code()
    {
        await using var harness = await ServerHarness.StartAsync();
        var result = await ServerHarness.RecognizeAsync(harness.Client(), ServerHarness.Config("m"), TestModel.SpeechLinear16(16000 * 3, 1),
            3200, cancellationToken: Ct);
        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        await Assert.ThrowsAsync<RpcException>(() => harness.Client("wrong").ListStreamsAsync(Ct));
        await ServerHarness.RecognizeAsync(harness.Client(), ServerHarness.Config("bad", rate: 1), [], 1, cancellationToken: Ct);

        using var http = new HttpClient();
        string text = await http.GetStringAsync(new Uri(harness.Server.MetricsAddress!, "/metrics"), Ct);
        Assert.Contains("pld_estimates_total{tenant=\"acme\"} 12", text, StringComparison.Ordinal);
        Assert.Contains("pld_hops_total{tenant=\"acme\"} 12", text, StringComparison.Ordinal);
        Assert.Contains("pld_audio_seconds_total{tenant=\"acme\"} 3", text, StringComparison.Ordinal);
        Assert.Contains("pld_streams_active{tenant=\"acme\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("pld_streams_ended_total{tenant=\"acme\",reason=\"Completed\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("pld_estimate_latency_seconds_count 12", text, StringComparison.Ordinal);
        Assert.Contains("pld_model_latency_seconds_bucket{le=", text, StringComparison.Ordinal);
        Assert.Contains("pld_dropped_hops_total", text, StringComparison.Ordinal);
        Assert.Contains("pld_grpc_calls_total{method=\"Recognize\",code=\"OK\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("pld_grpc_calls_total{method=\"Recognize\",code=\"InvalidArgument\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("pld_grpc_calls_total{method=\"ListStreams\",code=\"Unauthenticated\"} 1", text, StringComparison.Ordinal);

        var missing = await http.GetAsync(new Uri(harness.Server.MetricsAddress!, "/other"), Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        // The gRPC port does not serve metrics (it speaks HTTP/2 only; an HTTP/2 GET of /metrics finds nothing there).
        using var h2 = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var onGrpcPort = await h2.GetAsync(new Uri(harness.Address, "/metrics"), Ct);
        Assert.NotEqual(HttpStatusCode.OK, onGrpcPort.StatusCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_model_failure_reaches_the_client_as_internal_with_an_incident_id_and_no_internals()
    {
        await using var harness = await ServerHarness.StartAsync(model: Failing());
        var result = await ServerHarness.RecognizeAsync(harness.Client(), ServerHarness.Config("doomed"),
            TestModel.SpeechLinear16(16000, 1), 3200, complete: false, cancellationToken: Ct);

        Assert.Equal(StatusCode.Internal, result.Status.StatusCode);
        Assert.Matches("^internal error: the server failed to process this stream \\(incident [0-9a-f]{12}\\)$", result.Status.Detail);
        Assert.DoesNotContain("0xdeadbeef", result.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(EndReason.Failed, result.Summary!.EndReason);
        Assert.DoesNotContain("0xdeadbeef", result.Summary.Detail, StringComparison.Ordinal);
        string incident = result.Status.Detail[^13..^1];
        var logged = Assert.Single(harness.Logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains(incident, StringComparison.Ordinal));
        Assert.Contains("0xdeadbeef", logged.Exception!.ToString(), StringComparison.Ordinal);   // the details are in the log

        // A client retrying at once under the same id is a new stream (which the broken model fails again), not a duplicate.
        var retry = await ServerHarness.RecognizeAsync(harness.Client(), ServerHarness.Config("doomed"),
            TestModel.SpeechLinear16(16000, 1), 3200, complete: false, cancellationToken: Ct);
        Assert.Equal(StatusCode.Internal, retry.Status.StatusCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_model_that_fails_its_warm_up_stops_the_server_from_starting()
    {
        var server = PLDistill.Server.Hosting.PldServer.Create(ServerHarness.DefaultOptions(), Failing(passWarmUp: false),
            logging => { });
        await using (server)
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync(Ct));
            Assert.Contains("the model failed its warm-up on one second of quiet noise", error.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>A model whose step fails (after the warm-up, if asked) with a message that must never reach a client.</summary>
    private static WrappedModel Failing(bool passWarmUp = true) => new(TestModel.Factory(), real =>
        new FaultInjectingRecognizer(real, failingAdvances: passWarmUp ? 0 : int.MaxValue, failAllButFirstStream: passWarmUp,
                                     advanceFailure: "CUDA error: an illegal memory access at 0xdeadbeef"));
}
