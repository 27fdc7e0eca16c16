using Grpc.Core;
using PLDistill.Api.V1;
using PLDistill.Server.Tests.TestSupport;

namespace PLDistill.Server.Tests.Calls;

public sealed class RecognizeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public async Task Linear16_stream_gets_started_one_estimate_per_hop_in_order_and_a_summary()
    {
        await using var harness = await ServerHarness.StartAsync();
        float[] audio = TestModel.Quantized(TestModel.Speechlike(16000 * 3 + 1234, seed: 4));   // 12 whole hops and a partial one
        var result = await ServerHarness.RecognizeAsync(harness.Client(), ServerHarness.Config("call-1"), TestModel.Linear16(audio),
            chunkBytes: 3200, cancellationToken: Ct);

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Equal(EmotionEvent.EventOneofCase.Started, result.Events[0].EventCase);
        Assert.Equal(EmotionEvent.EventOneofCase.Summary, result.Events[^1].EventCase);
        Assert.All(result.Events, e => Assert.Equal("tenants/acme/streams/call-1", e.Stream));
        Assert.All(result.Events, e => Assert.Equal("call-1", e.StreamId));

        var settings = result.Started!.Settings;
        Assert.Equal(["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"], settings.Labels);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.Hop.ToTimeSpan());
        Assert.Equal(TimeSpan.FromSeconds(3), settings.Window.ToTimeSpan());
        Assert.Equal(16000, settings.ModelSampleRateHz);

        var estimates = result.Estimates;
        Assert.Equal(13, estimates.Count);
        Assert.Equal(Enumerable.Range(0, 13).Select(i => (long)i), estimates.Select(e => e.Sequence));
        Assert.Equal(TimeSpan.FromSeconds(0.25), estimates[0].AudioEnd.ToTimeSpan());
        Assert.Equal(audio.Length / 16000.0, estimates[^1].AudioEnd.ToTimeSpan().TotalSeconds, 6);
        Assert.All(estimates, e => Assert.Equal(1f, e.Probabilities.Sum(), 3));
        Assert.All(estimates, e => Assert.Equal(e.SmoothedProbabilities.Max(), e.Confidence));
        Assert.All(estimates, e => Assert.Equal(settings.Labels[e.SmoothedProbabilities.IndexOf(e.Confidence)], e.Label));
        Assert.All(estimates, e => Assert.True(e.ServerLatency.ToTimeSpan() >= e.ModelLatency.ToTimeSpan() && e.ModelLatency.ToTimeSpan() > TimeSpan.Zero));

        // The decoded audio is exactly what was sent: the engine's answer equals a lone recognizer's on the same samples.
        var expected = TestModel.DirectLastProbabilities(audio);
        Assert.True(expected.Zip(estimates[^1].Probabilities).Max(p => Math.Abs(p.First - p.Second)) <= 1e-4);

        var summary = result.Summary!;
        Assert.Equal(EndReason.Completed, summary.EndReason);
        Assert.Equal(13, summary.Estimates);
        Assert.Equal(13, summary.HopsProcessed);
        Assert.Equal(0, summary.DroppedHops);
        Assert.Equal(audio.Length / 16000.0, summary.AudioReceived.ToTimeSpan().TotalSeconds, 6);
        Assert.Equal(8, summary.MeanProbabilities.Count);
        Assert.Equal(settings.Labels[summary.MeanProbabilities.IndexOf(summary.MeanProbabilities.Max())], summary.DominantLabel);
    }

    [Fact(Timeout = 60_000)]
    public async Task Float32_stereo_at_48_kHz_is_downmixed_and_resampled_to_the_model_rate()
    {
        await using var harness = await ServerHarness.StartAsync();
        const int frames = 48000 * 2;   // 2 s
        float[] left = TestModel.Speechlike(frames, seed: 9, sampleRate: 48000);
        var interleaved = new float[frames * 2];
        for (int i = 0; i < frames; i++)
            (interleaved[2 * i], interleaved[2 * i + 1]) = (left[i], 0.5f * left[i]);
        var result = await ServerHarness.RecognizeAsync(harness.Client(), ServerHarness.Config("stereo", AudioEncoding.Float32, 48000, 2),
            TestModel.Float32(interleaved), chunkBytes: 48 * 20 * 8, cancellationToken: Ct);   // 20 ms chunks

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Equal(48000, result.Started!.Settings.SampleRateHz);
        Assert.Equal(2, result.Started.Settings.Channels);
        Assert.Equal(8, result.Estimates.Count);   // 2 s at the model's 16 kHz = 8 hops of 250 ms
        Assert.Equal(TimeSpan.FromSeconds(2), result.Estimates[^1].AudioEnd.ToTimeSpan());
        Assert.Equal(TimeSpan.FromSeconds(2), result.Summary!.AudioReceived.ToTimeSpan());
    }

    [Fact(Timeout = 60_000)]
    public async Task Streams_may_ask_for_their_own_hop_window_and_label_set_at_the_same_time()
    {
        await using var harness = await ServerHarness.StartAsync(model: TestModel.FullContextFactory());
        var client = harness.Client();
        byte[] audio = TestModel.SpeechLinear16(16000 * 2, seed: 5);
        var custom = ServerHarness.Config("custom");
        custom.Hop = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(500));
        custom.Window = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(2));
        custom.LabelSet = LabelSet.Ravdess4;

        var both = await Task.WhenAll(
            ServerHarness.RecognizeAsync(client, custom, audio, 1600, cancellationToken: Ct),
            ServerHarness.RecognizeAsync(client, ServerHarness.Config("default"), audio, 1600, cancellationToken: Ct));

        var (own, standard) = (both[0], both[1]);
        Assert.Equal(StatusCode.OK, own.Status.StatusCode);
        Assert.Equal(StatusCode.OK, standard.Status.StatusCode);
        Assert.Equal(["neutral", "happy", "sad", "angry"], own.Started!.Settings.Labels);
        Assert.Equal(LabelSet.Ravdess4, own.Started.Settings.LabelSet);
        Assert.Equal(TimeSpan.FromMilliseconds(500), own.Started.Settings.Hop.ToTimeSpan());
        Assert.Equal([0.5, 1.0, 1.5, 2.0], own.Estimates.Select(e => e.AudioEnd.ToTimeSpan().TotalSeconds));
        Assert.All(own.Estimates, e => Assert.Equal(4, e.Probabilities.Count));
        Assert.Equal(TimeSpan.Zero, own.Estimates[^1].AudioStart.ToTimeSpan());   // a 2 s window over 2 s of audio
        Assert.Equal(8, standard.Estimates.Count);
        Assert.All(standard.Estimates, e => Assert.Equal(8, e.Probabilities.Count));
        Assert.Equal(2, harness.Get<PLDistill.Server.Engines.EnginePool>().Keys.Count);
    }

    [Fact(Timeout = 60_000)]
    public async Task Hops_that_cut_the_same_samples_share_the_default_engine()
    {
        // 250.02 ms is 4000.32 samples at 16 kHz: the engine cuts 4000, as for the default 250 ms, so no engine (and no
        // configuration slot) is made for it, and the stream is told the hop it gets.
        await using var harness = await ServerHarness.StartAsync();
        var config = ServerHarness.Config("almost-default");
        config.Hop = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromTicks(2_500_200));

        var result = await ServerHarness.RecognizeAsync(harness.Client(), config, TestModel.SpeechLinear16(16000, seed: 6), 3200, cancellationToken: Ct);

        Assert.Equal(StatusCode.OK, result.Status.StatusCode);
        Assert.Equal(TimeSpan.FromMilliseconds(250), result.Started!.Settings.Hop.ToTimeSpan());
        Assert.Single(harness.Get<PLDistill.Server.Engines.EnginePool>().Keys);
    }

    [Fact(Timeout = 60_000)]
    public async Task The_client_library_sends_float_samples_as_exact_linear16()
    {
        await using var harness = await ServerHarness.StartAsync();
        var client = harness.Client();
        float[] audio = TestModel.Quantized(TestModel.Speechlike(16000 * 2, seed: 12));
        var viaBytes = await ServerHarness.RecognizeAsync(client, ServerHarness.Config("bytes"), TestModel.Linear16(audio), 1600, cancellationToken: Ct);

        using var call = await ServerHarness.OpenAsync(client, ServerHarness.Config("floats"), Ct);
        for (int start = 0; start < audio.Length; start += 800)
            await call.Session.SendSamplesAsync(audio.AsMemory(start, 800), Ct);
        await call.Session.CompleteAsync();
        var viaFloats = await call.Result;

        Assert.Equal(StatusCode.OK, viaFloats.Status.StatusCode);
        Assert.Equal(viaBytes.Estimates.Select(e => e.Probabilities), viaFloats.Estimates.Select(e => e.Probabilities));
    }

    [Fact(Timeout = 60_000)]
    public async Task ListStreams_shows_the_open_streams_of_the_callers_tenant_only()
    {
        await using var harness = await ServerHarness.StartAsync();
        var acme = harness.Client();
        var globex = harness.Client(ServerHarness.GlobexKey);
        using var first = await acme.StartRecognitionAsync(ServerHarness.Config("call-1"), Ct);
        using var other = await globex.StartRecognitionAsync(ServerHarness.Config("call-1"), Ct);
        await first.SendAsync(TestModel.SpeechLinear16(16000, seed: 1), Ct);
        await Wait.UntilListed(acme, streams => streams.Any(s => s.AudioReceived.ToTimeSpan() == TimeSpan.FromSeconds(1)));

        var listed = await acme.ListStreamsAsync(Ct);
        var stream = Assert.Single(listed);
        Assert.Equal("tenants/acme/streams/call-1", stream.Name);
        Assert.Equal(AudioEncoding.Linear16, stream.Settings.Encoding);
        Assert.Equal("tenants/globex/streams/call-1", Assert.Single(await globex.ListStreamsAsync(Ct)).Name);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_request_message_that_is_not_protobuf_is_invalid_argument_naming_the_message()
    {
        // A client whose serializer is broken: the bytes reach the server as gRPC messages but are not AudioRequests.
        await using var harness = await ServerHarness.StartAsync();
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(harness.Address);
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var raw = new Method<byte[], byte[]>(MethodType.DuplexStreaming, "pldistill.v1.EmotionRecognition", "Recognize", bytes, bytes);
        var options = new CallOptions(new Metadata { { "x-api-key", ServerHarness.AcmeKey } }, cancellationToken: Ct);
        byte[] truncated = [0x0A, 0xFF, 0x01];   // field 1, length-delimited: 255 bytes promised, 1 given

        async Task<RpcException> Send(params byte[][] messages)
        {
            using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(raw, null, options);
            foreach (byte[] message in messages)
                await call.RequestStream.WriteAsync(message, Ct);
            return await Assert.ThrowsAsync<RpcException>(async () => { while (await call.ResponseStream.MoveNext(Ct)) { } });
        }

        var first = await Send(truncated);
        Assert.Equal(StatusCode.InvalidArgument, first.StatusCode);
        Assert.Contains("request message 1 could not be read as an AudioRequest", first.Status.Detail, StringComparison.Ordinal);

        byte[] config = Google.Protobuf.MessageExtensions.ToByteArray(new AudioRequest { Config = ServerHarness.Config("broken-client") });
        byte[] audio = Google.Protobuf.MessageExtensions.ToByteArray(new AudioRequest { Audio = Google.Protobuf.ByteString.CopyFrom(new byte[3200]) });
        var later = await Send(config, audio, truncated);
        Assert.Equal(StatusCode.InvalidArgument, later.StatusCode);
        Assert.Contains("request message 3 could not be read as an AudioRequest", later.Status.Detail, StringComparison.Ordinal);
    }
}
