using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PLDistill.Api.V1;
using PLDistill.Server.Tests.TestSupport;

namespace PLDistill.Server.Tests.Calls;

/// <summary>Malformed configs and audio end the call with INVALID_ARGUMENT and a message naming the field or message and what is allowed.</summary>
public sealed class ValidationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> BadConfigs => new()
    {
        { "rate-low", "config.sample_rate_hz 7999: must be 8000..192000 Hz" },
        { "rate-high", "config.sample_rate_hz 200000: must be 8000..192000 Hz" },
        { "channels-0", "config.channels 0: must be 1..8" },
        { "channels-9", "config.channels 9: must be 1..8" },
        { "no-encoding", "config.encoding is not set" },
        { "unknown-encoding", "config.encoding 7 is not an encoding" },
        { "hop-short", "config.hop 50 ms: this server accepts 100..2000 ms (unset = 250 ms)" },
        { "window-long", "config.window 30 s: this server and model accept 0.5..8 s (unset = 3 s)" },
        { "window-untrained", "config.window 2 s: this model reads a fixed 3 s window (set when it was trained)" },
        { "negative-hop", "config.hop (-1 s, 0 ns) is not a valid positive duration" },
        { "empty-id", "config.stream_id is empty" },
        { "bad-id", "config.stream_id 'a b': a stream id is 1..128 characters" },
        { "long-id", "a stream id is 1..128 characters" },
        { "unknown-labels", "config.label_set 9 is unknown" },
    };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(BadConfigs))]
    public async Task A_bad_config_is_invalid_argument_naming_the_field(string kind, string message)
    {
        // A window range exists only for full-context-LM students; the default windowed-LM student serves just its own.
        await using var harness = await ServerHarness.StartAsync(model: kind == "window-long" ? TestModel.FullContextFactory() : null);
        var config = ServerHarness.Config("ok");
        switch (kind)
        {
            case "rate-low": config.SampleRateHz = 7999; break;
            case "rate-high": config.SampleRateHz = 200_000; break;
            case "channels-0": config.Channels = 0; break;
            case "channels-9": config.Channels = 9; break;
            case "no-encoding": config.Encoding = AudioEncoding.Unspecified; break;
            case "unknown-encoding": config.Encoding = (AudioEncoding)7; break;
            case "hop-short": config.Hop = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(50)); break;
            case "window-long": config.Window = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)); break;
            case "window-untrained": config.Window = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)); break;
            case "negative-hop": config.Hop = new Duration { Seconds = -1 }; break;
            case "empty-id": config.StreamId = ""; break;
            case "bad-id": config.StreamId = "a b"; break;
            case "long-id": config.StreamId = new string('x', 129); break;
            case "unknown-labels": config.LabelSet = (LabelSet)9; break;
        }
        var result = await ServerHarness.RecognizeAsync(harness.Client(), config, new byte[3200], 3200, cancellationToken: Ct);
        Assert.Equal(StatusCode.InvalidArgument, result.Status.StatusCode);
        Assert.Contains(message, result.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(result.Events);
    }

    [Fact(Timeout = 60_000)]
    public async Task Audio_before_the_config_an_empty_call_and_an_empty_first_message_are_refused()
    {
        await using var harness = await ServerHarness.StartAsync();
        var raw = harness.Client().Raw;

        using (var call = raw.Recognize(cancellationToken: Ct))
        {
            await call.RequestStream.WriteAsync(new AudioRequest { Audio = ByteString.CopyFrom(new byte[320]) }, Ct);
            var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.Contains("request message 1 carries audio, but the first message must carry 'config'", refused.Status.Detail, StringComparison.Ordinal);
        }
        using (var call = raw.Recognize(cancellationToken: Ct))
        {
            await call.RequestStream.CompleteAsync();
            var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.Contains("ended before its first message", refused.Status.Detail, StringComparison.Ordinal);
        }
        using (var call = raw.Recognize(cancellationToken: Ct))
        {
            await call.RequestStream.WriteAsync(new AudioRequest(), Ct);
            var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.Contains("request message 1 is empty", refused.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task A_second_config_ends_the_stream_after_its_final_events()
    {
        await using var harness = await ServerHarness.StartAsync();
        using var call = await ServerHarness.OpenAsync(harness.Client(), ServerHarness.Config("twice"), Ct);
        await call.Session.SendAsync(TestModel.SpeechLinear16(8000, seed: 2), Ct);
        await call.Session.WriteRequestAsync(new AudioRequest { Config = ServerHarness.Config("twice") }, Ct);
        var result = await call.Result;

        Assert.Equal(StatusCode.InvalidArgument, result.Status.StatusCode);
        Assert.Contains("request message 3 carries a second config", result.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(2, result.Estimates.Count);   // the half second received before it was still estimated
        Assert.Equal(EndReason.InvalidRequest, result.Summary!.EndReason);
        Assert.Equal(result.Status.Detail, result.Summary.Detail);
    }

    [Fact(Timeout = 60_000)]
    public async Task An_odd_byte_count_in_linear16_is_invalid_argument_naming_the_message()
    {
        await using var harness = await ServerHarness.StartAsync();
        var result = await ServerHarness.RecognizeAsync(harness.Client(), ServerHarness.Config("odd"), new byte[3201], 3201, cancellationToken: Ct);
        Assert.Equal(StatusCode.InvalidArgument, result.Status.StatusCode);
        Assert.Equal("request message 2: 3201 audio bytes are not a whole number of 2-byte frames (LINEAR16, 1 channel); send whole frames in every chunk",
            result.Status.Detail);
        Assert.Equal(EndReason.InvalidRequest, result.Summary!.EndReason);

        var stereo = await ServerHarness.RecognizeAsync(harness.Client(), ServerHarness.Config("odd2", AudioEncoding.Float32, 16000, 2), new byte[12], 12,
            cancellationToken: Ct);
        Assert.Equal(StatusCode.InvalidArgument, stereo.Status.StatusCode);
        Assert.Contains("12 audio bytes are not a whole number of 8-byte frames (FLOAT32, 2 channels)", stereo.Status.Detail, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Non_finite_or_integer_scaled_float32_samples_are_refused()
    {
        await using var harness = await ServerHarness.StartAsync();
        var samples = new float[1600];
        samples[37] = float.NaN;
        var nan = await ServerHarness.RecognizeAsync(harness.Client(), ServerHarness.Config("nan", AudioEncoding.Float32), TestModel.Float32(samples), 6400,
            cancellationToken: Ct);
        Assert.Equal(StatusCode.InvalidArgument, nan.Status.StatusCode);
        Assert.Contains("request message 2: sample 37 (frame 37, channel 0) is NaN; FLOAT32 audio must be finite", nan.Status.Detail, StringComparison.Ordinal);

        samples[37] = 12000f;
        var scaled = await ServerHarness.RecognizeAsync(harness.Client(), ServerHarness.Config("big", AudioEncoding.Float32), TestModel.Float32(samples), 6400,
            cancellationToken: Ct);
        Assert.Equal(StatusCode.InvalidArgument, scaled.Status.StatusCode);
        Assert.Contains("sample 37 is 12000; FLOAT32 audio is in [-1, 1]", scaled.Status.Detail, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_message_over_the_size_limit_is_resource_exhausted()
    {
        await using var harness = await ServerHarness.StartAsync(o => o with { Limits = o.Limits with { MaxMessageBytes = 64 * 1024 } });
        var result = await ServerHarness.RecognizeAsync(harness.Client(), ServerHarness.Config("big"), new byte[100_000], 100_000, cancellationToken: Ct);
        Assert.Equal(StatusCode.ResourceExhausted, result.Status.StatusCode);
        Assert.Contains("exceeds the maximum", result.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }
}
