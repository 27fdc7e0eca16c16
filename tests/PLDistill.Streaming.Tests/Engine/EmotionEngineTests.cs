using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using PLDistill.Audio.Formats;
using PLDistill.Audio.Sources;
using PLDistill.Models.Checkpoints;
using PLDistill.Streaming.Engine;
using PLDistill.Streaming.Inference;
using PLDistill.Streaming.Tests.TestSupport;
using PLDistill.Testing;

namespace PLDistill.Streaming.Tests.Engine;

public sealed class EmotionEngineTests
{
    private const int Hop = 4000;   // 250 ms at 16 kHz
    // One estimate per hop and no loss: the producer waits for the model (files processed as fast as possible).
    private static readonly EngineOptions Lossless = new()
    {
        Policy = BackpressurePolicy.DropOldest, ProducerWaitBudget = Timeout.InfiniteTimeSpan, MaxBatchWait = TimeSpan.Zero,
    };

    private static async Task Feed(StreamHandle stream, float[] audio, int chunk)
    {
        for (int start = 0; start < audio.Length; start += chunk)
            await stream.WriteAsync(audio.AsMemory(start, Math.Min(chunk, audio.Length - start)));
        await stream.CompleteAsync();
    }

    private static float[] DirectLastProbabilities(float[] audio, int hop)
    {
        using var student = TestAudio.Recognizer(1);
        using var session = student.Open();
        EmotionScores last = null!;
        for (int start = 0; start < audio.Length; start += hop)
            last = student.Advance(session, audio.AsSpan(start, Math.Min(hop, audio.Length - start)));
        return last.Probabilities;
    }

    private static void AssertClose(IReadOnlyList<float> expected, IReadOnlyList<float> actual, double tolerance = 1e-4)
    {
        double worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(worst <= tolerance, $"max |difference| = {worst}");
    }

    [Fact]
    public async Task One_stream_gets_one_estimate_per_hop_in_order_matching_the_recognizer()
    {
        float[] audio = TestAudio.Speechlike(16000 * 5 + 1234, seed: 4);   // 20 whole hops and a partial one
        await using var engine = new EmotionEngine(TestAudio.Recognizer(4), Lossless);
        var stream = engine.OpenStream("call-1");
        var collected = stream.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);

        await Feed(stream, audio, chunk: 1000);
        var estimates = await collected;
        await stream.Completion;

        Assert.Equal(21, estimates.Count);
        Assert.Equal(Enumerable.Range(0, 21).Select(i => (long)i), estimates.Select(e => e.Sequence));
        Assert.All(estimates, e => Assert.Equal("call-1", e.StreamId));
        Assert.Equal(TimeSpan.FromSeconds(0.25), estimates[0].AudioEnd);
        Assert.Equal(TimeSpan.FromSeconds(audio.Length / 16000.0), estimates[^1].AudioEnd);
        Assert.Equal(estimates[^1].AudioEnd - TimeSpan.FromSeconds(3), estimates[^1].AudioStart);
        Assert.All(estimates, e => Assert.Equal(1f, e.Probabilities.Sum(), 3));
        Assert.All(estimates, e => Assert.Equal(e.SmoothedProbabilities.Max(), e.Confidence));
        Assert.All(estimates, e => Assert.Equal(e.Labels[e.SmoothedProbabilities.ToList().IndexOf(e.Confidence)], e.Label));
        Assert.All(estimates, e => Assert.True(e.ModelLatency > TimeSpan.Zero && e.EndToEndLatency >= e.ModelLatency));
        AssertClose(DirectLastProbabilities(audio, Hop), estimates[^1].Probabilities);
        Assert.Empty(engine.Streams);
    }

    [Fact]
    public async Task Non_finite_model_scores_leave_the_smoothed_estimates_finite()
    {
        // Hop 0 and hop 3 come back NaN: hop 0 has no average to fall back on, hop 3 repeats hop 2's.
        await using var engine = new EmotionEngine(new FaultInjectingRecognizer(TestAudio.Recognizer(1), nanAdvances: [0, 3]), Lossless);
        var stream = engine.OpenStream("faulty");
        var collected = stream.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);

        await Feed(stream, TestAudio.Speechlike(6 * Hop, seed: 21), chunk: Hop);
        var estimates = await collected;

        Assert.Equal(6, estimates.Count);
        Assert.All(estimates[0].Probabilities, p => Assert.True(float.IsNaN(p)));
        Assert.Equal((estimates[0].Labels[0], 0f), (estimates[0].Label, estimates[0].Confidence));
        Assert.Equal(estimates[1].Probabilities, estimates[1].SmoothedProbabilities);   // the average starts at the first finite hop
        Assert.Equal(estimates[2].SmoothedProbabilities, estimates[3].SmoothedProbabilities);
        Assert.Equal((estimates[2].Label, estimates[2].Confidence), (estimates[3].Label, estimates[3].Confidence));
        Assert.All(estimates.Skip(1), e => Assert.All(e.SmoothedProbabilities, p => Assert.True(float.IsFinite(p))));
        Assert.All(estimates.Skip(1), e => Assert.Equal(e.SmoothedProbabilities.Max(), e.Confidence));
        Assert.All(estimates.Skip(1), e => Assert.Equal(e.Labels[e.SmoothedProbabilities.ToList().IndexOf(e.Confidence)], e.Label));
    }

    [Fact]
    public async Task Many_streams_are_batched_and_each_gets_all_its_estimates_in_order()
    {
        const int streams = 12;
        var audio = Enumerable.Range(0, streams).Select(i => TestAudio.Speechlike(16000 * 3 + 500 * i, seed: 10 + i)).ToArray();
        await using var engine = new EmotionEngine(TestAudio.Recognizer(streams),
            Lossless with { MaxBatchWait = TimeSpan.FromMilliseconds(20) });
        var everything = engine.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);
        var handles = Enumerable.Range(0, streams).Select(i => engine.OpenStream($"s{i}")).ToArray();
        var perStream = handles.Select(h => h.Estimates.ToList().ToTask(TestContext.Current.CancellationToken)).ToArray();

        await Task.WhenAll(handles.Select((h, i) => Task.Run(() => Feed(h, audio[i], chunk: 800))));
        var results = await Task.WhenAll(perStream);

        for (int i = 0; i < streams; i++)
        {
            int hops = (audio[i].Length + Hop - 1) / Hop;
            Assert.Equal(Enumerable.Range(0, hops).Select(n => (long)n), results[i].Select(e => e.Sequence));
            Assert.All(results[i], e => Assert.Equal($"s{i}", e.StreamId));
        }
        // Padding shorter windows in a batch must not change any stream's answer.
        AssertClose(DirectLastProbabilities(audio[5], Hop), results[5][^1].Probabilities);
        Assert.True(engine.Statistics.LargestBatch > 1, $"largest batch {engine.Statistics.LargestBatch}");

        await engine.DisposeAsync();
        var merged = await everything;
        Assert.Equal(results.Sum(r => r.Count), merged.Count);
        foreach (var group in merged.GroupBy(e => e.StreamId))
            Assert.Equal(group.Select(e => e.Sequence).Order(), group.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Drop_oldest_accounts_for_every_hop_and_keeps_the_newest()
    {
        const int hops = 60;
        float[] audio = TestAudio.Speechlike(hops * Hop, seed: 5);
        await using var engine = new EmotionEngine(TestAudio.Recognizer(1),
            new EngineOptions { QueueHops = 2, Policy = BackpressurePolicy.DropOldest, MaxBatchWait = TimeSpan.Zero });
        var stream = engine.OpenStream("fast-producer");
        var collected = stream.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);

        await Feed(stream, audio, chunk: audio.Length);   // all at once: far faster than the model
        var estimates = await collected;

        Assert.True(stream.DroppedHops > 0, "a 2-hop queue fed 60 hops at once must overflow");
        Assert.Equal(hops, estimates.Count + stream.DroppedHops);
        Assert.Equal(Enumerable.Range(0, estimates.Count).Select(i => (long)i), estimates.Select(e => e.Sequence));
        Assert.All(estimates, e => Assert.Equal(0, e.CoalescedHops));
        Assert.Equal(TimeSpan.FromSeconds(15), estimates[^1].AudioEnd);
        Assert.Equal(stream.DroppedHops, estimates[^1].DroppedHops);
        Assert.Equal(stream.DroppedHops, engine.Statistics.DroppedHops);
    }

    [Fact]
    public async Task Drop_totals_never_go_down_while_streams_finish()
    {
        // Metrics export these totals as counters, and a counter that dips reads as a restart (a spurious burst of
        // drops). Rounds of streams that drop hops finish while the totals are polled.
        const int rounds = 3, streams = 24, hops = 40;
        await using var engine = new EmotionEngine(TestAudio.Recognizer(streams), new EngineOptions
        {
            QueueHops = 1, Policy = BackpressurePolicy.DropOldest, MaxBatchWait = TimeSpan.Zero,
        });
        var dips = new List<string>();
        using var polling = new CancellationTokenSource();
        var poller = Task.Run(() =>
        {
            long highest = 0;
            while (!polling.IsCancellationRequested)
            {
                long now = engine.Statistics.DroppedHops;
                if (now < highest)
                    dips.Add($"{highest} -> {now}");
                highest = Math.Max(highest, now);
            }
        }, TestContext.Current.CancellationToken);

        long droppedByStreams = 0;
        for (int round = 0; round < rounds; round++)
        {
            var handles = Enumerable.Range(0, streams).Select(i => engine.OpenStream($"r{round}-s{i}")).ToArray();
            await Task.WhenAll(handles.Select((h, i) => Feed(h, TestAudio.Speechlike(hops * Hop, seed: 40 + i), chunk: hops * Hop)));
            await Task.WhenAll(handles.Select(h => h.Completion));
            droppedByStreams += handles.Sum(h => h.DroppedHops);
        }
        await polling.CancelAsync();
        await poller;

        Assert.True(dips.Count == 0, $"the dropped-hop total went down {dips.Count} times, first {dips.FirstOrDefault()}");
        Assert.True(droppedByStreams > 0, "1-hop queues fed 40 hops at once must overflow");
        Assert.Equal(droppedByStreams, engine.Statistics.DroppedHops);
    }

    [Fact]
    public async Task Subscribers_that_block_pool_threads_do_not_stall_inference()
    {
        // Sixteen subscribers that block (a synchronous webhook that hangs) hold sixteen pool threads; the inference loop
        // must not need one. A live stream fed from its own thread at a steady pace must keep every hop: no coalescing
        // (producer wait 0, the default) and no drops.
        const int hops = 24;
        await using var engine = new EmotionEngine(TestAudio.Recognizer(2), new EngineOptions { MaxBatchWait = TimeSpan.Zero });
        using var blocked = new ManualResetEventSlim();
        var blockers = Enumerable.Range(0, 16).Select(_ => engine.Estimates.Subscribe(_ => blocked.Wait())).ToArray();
        try
        {
            var stream = engine.OpenStream("live");
            var collected = stream.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);
            float[] audio = TestAudio.Speechlike(hops * Hop, seed: 9);
            var producer = new Thread(() =>
            {
                for (int hop = 0; hop < hops; hop++)
                {
                    stream.WriteAsync(audio.AsMemory(hop * Hop, Hop)).AsTask().GetAwaiter().GetResult();
                    Thread.Sleep(100);
                }
                stream.CompleteAsync().AsTask().GetAwaiter().GetResult();
            });
            producer.Start();
            producer.Join();
            await stream.Completion.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

            Assert.Equal(0, stream.DroppedHops);
            Assert.Equal(0, engine.Statistics.CoalescedHops);
            blocked.Set();
            Assert.Equal(hops, (await collected).Count);
        }
        finally
        {
            blocked.Set();
            foreach (var blocker in blockers)
                blocker.Dispose();
        }
    }

    [Fact]
    public async Task Coalescing_loses_no_audio_and_ends_where_the_direct_run_ends()
    {
        const int hops = 60;
        float[] audio = TestAudio.Speechlike(hops * Hop, seed: 6);
        await using var engine = new EmotionEngine(TestAudio.Recognizer(1),
            new EngineOptions { QueueHops = 64, MaxCoalescedHops = 8, Policy = BackpressurePolicy.Coalesce, MaxBatchWait = TimeSpan.Zero });
        var stream = engine.OpenStream("backlog");
        var collected = stream.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);

        await Feed(stream, audio, chunk: audio.Length);
        var estimates = await collected;

        Assert.Equal(0, stream.DroppedHops);
        Assert.Equal(hops, estimates.Sum(e => 1 + e.CoalescedHops));
        Assert.Contains(estimates, e => e.CoalescedHops > 0);
        Assert.All(estimates, e => Assert.InRange(e.CoalescedHops, 0, 7));
        Assert.Equal(TimeSpan.FromSeconds(15), estimates[^1].AudioEnd);
        // The incremental model does not care how audio was chunked: the last estimate equals the hop-by-hop run.
        AssertClose(DirectLastProbabilities(audio, Hop), estimates[^1].Probabilities);
    }

    [Fact]
    public async Task A_waiting_producer_never_loses_audio_when_the_budget_is_infinite()
    {
        float[] audio = TestAudio.Speechlike(40 * Hop, seed: 7);
        await using var engine = new EmotionEngine(TestAudio.Recognizer(1),
            Lossless with { QueueHops = 1, Policy = BackpressurePolicy.DropOldest });
        var stream = engine.OpenStream("file");
        var collected = stream.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);
        await Feed(stream, audio, chunk: audio.Length);
        var estimates = await collected;
        Assert.Equal(40, estimates.Count);
        Assert.Equal(0, stream.DroppedHops);
    }

    [Fact]
    public async Task A_slow_subscriber_stalls_neither_the_engine_nor_other_subscribers()
    {
        float[] audio = TestAudio.Speechlike(40 * Hop, seed: 8);
        await using var engine = new EmotionEngine(TestAudio.Recognizer(1), Lossless with { SubscriberBuffer = 4 });
        var stream = engine.OpenStream("watched");
        using var release = new ManualResetEventSlim(false);
        int slowSeen = 0;
        var slowDone = new TaskCompletionSource();
        using var slow = stream.Estimates.Subscribe(_ => { release.Wait(); Interlocked.Increment(ref slowSeen); }, () => slowDone.SetResult());
        var fast = stream.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);

        await Feed(stream, audio, chunk: 4000);
        var fastEstimates = await fast.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        await stream.Completion;   // the engine finished while the slow subscriber was still stuck in its first OnNext

        Assert.Equal(40, fastEstimates.Count);
        Assert.Equal(0, Volatile.Read(ref slowSeen));
        release.Set();
        await slowDone.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.InRange(slowSeen, 1, 5);   // its first item plus at most its buffer; the rest were its own losses
        Assert.True(engine.Statistics.SubscriberDrops >= 35, $"subscriber drops {engine.Statistics.SubscriberDrops}");
    }

    [Fact]
    public async Task Full_engine_and_duplicate_ids_are_typed_errors_and_slots_are_reused()
    {
        await using var engine = new EmotionEngine(TestAudio.Recognizer(2), Lossless);
        var a = engine.OpenStream("a");
        engine.OpenStream("b");

        var duplicate = Assert.Throws<StreamingEngineException>(() => engine.OpenStream("a"));
        Assert.Equal(StreamingErrorKind.DuplicateStreamId, duplicate.Kind);
        var full = Assert.Throws<StreamingEngineException>(() => engine.OpenStream("c"));
        Assert.Equal(StreamingErrorKind.CapacityExhausted, full.Kind);
        Assert.Contains("2 stream slots", full.Message, StringComparison.Ordinal);

        await Feed(a, TestAudio.Speechlike(2 * Hop, 9), Hop);
        await a.Completion;
        Assert.Equal("c", engine.OpenStream("c").Id);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await a.WriteAsync(new float[10], TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_stream_named_after_its_source_names_it_once_in_an_audio_error()
    {
        var bytes = new MemoryStream();
        using (var writer = new WavWriter(bytes, new PcmFormat(16000, 1, SampleEncoding.Int16), leaveOpen: true))
            writer.WriteFrames(TestAudio.Speechlike(16000, 3));
        byte[] wav = bytes.ToArray();
        BitConverter.GetBytes(4 * 16000 * 2).CopyTo(wav, 40);   // promises 4 s, holds 1 s
        BitConverter.GetBytes(36 + 4 * 16000 * 2).CopyTo(wav, 4);
        await using var engine = new EmotionEngine(TestAudio.Recognizer(1), Lossless);
        await using var source = WavStreamSource.Open(new NonSeekableInput(wav), "stdin");
        var stream = engine.OpenStream(source.Name);   // as pld run does
        var estimates = stream.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);

        await AudioPump.RunAsync(source, stream, 16000, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<StreamingEngineException>(() => estimates);
        Assert.StartsWith("stream 'stdin': data ended after", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Undecodable_audio_fails_its_stream_with_a_typed_error_and_spares_the_others()
    {
        // A WAV whose data chunk promises 4 s but the pipe delivers 2 s: the reader fails mid-stream.
        var bytes = new MemoryStream();
        using (var writer = new WavWriter(bytes, new PcmFormat(16000, 1, SampleEncoding.Int16), leaveOpen: true))
            writer.WriteFrames(TestAudio.Speechlike(2 * 16000, 11));
        byte[] wav = bytes.ToArray();
        BitConverter.GetBytes(4 * 16000 * 2).CopyTo(wav, 40);   // data chunk size
        BitConverter.GetBytes(36 + 4 * 16000 * 2).CopyTo(wav, 4);

        await using var engine = new EmotionEngine(TestAudio.Recognizer(2), Lossless);
        var broken = engine.OpenStream("broken");
        var healthy = engine.OpenStream("healthy");
        var brokenEstimates = broken.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);
        var healthyEstimates = healthy.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);

        await using var source = WavStreamSource.Open(new NonSeekableInput(wav), "cut-call.wav");
        await AudioPump.RunAsync(source, broken, 16000, TestContext.Current.CancellationToken);
        await Feed(healthy, TestAudio.Speechlike(3 * Hop, 12), Hop);

        var error = await Assert.ThrowsAsync<StreamingEngineException>(() => brokenEstimates);
        Assert.Equal(StreamingErrorKind.InvalidAudio, error.Kind);
        Assert.Equal("broken", error.StreamId);
        Assert.StartsWith("stream 'broken': cut-call.wav: ", error.Message, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(error.Message, "cut-call.wav"));   // the source named once
        Assert.IsType<AudioFormatException>(error.InnerException);
        await Assert.ThrowsAsync<StreamingEngineException>(() => broken.Completion);
        Assert.Equal(3, (await healthyEstimates).Count);
    }

    [Fact]
    public async Task Memory_per_stream_stays_bounded_however_long_the_stream_runs()
    {
        await using var engine = new EmotionEngine(TestAudio.Recognizer(1), Lossless);
        var stream = engine.OpenStream("long-call");
        var deviceBytes = new List<long>();
        float[] minute = TestAudio.Speechlike(60 * 16000, 13);
        for (int start = 0, hop = 0; start < minute.Length; start += Hop, hop++)
        {
            await stream.WriteAsync(minute.AsMemory(start, Hop), TestContext.Current.CancellationToken);
            if (hop >= 40)   // after 2 s the encoder's key/value caches are full; from 10 s on nothing may grow
                deviceBytes.Add(stream.Statistics.DeviceBytes);
        }
        var before = stream.Statistics;
        await stream.CompleteAsync(TestContext.Current.CancellationToken);
        await stream.Completion;

        Assert.True(before.DeviceBytes > 0);
        Assert.True(before.HostBytes <= (Lossless.QueueHops + 1) * Hop * sizeof(float), $"host bytes {before.HostBytes}");
        // Only the subsampler's sub-group remainder (< 4 mel frames of 80 floats) varies between hops.
        Assert.True(deviceBytes.Min() > 0);
        Assert.True(deviceBytes.Max() - deviceBytes.Min() < 4 * 80 * sizeof(float), $"device bytes ranged {deviceBytes.Min()}..{deviceBytes.Max()}");
        Assert.Equal(0, stream.Statistics.DeviceBytes);
    }

    [Fact]
    public async Task A_failed_stream_refuses_more_audio_and_never_disturbs_the_others()
    {
        await using var engine = new EmotionEngine(TestAudio.Recognizer(2), Lossless);
        var failed = engine.OpenStream("failed");
        var healthy = engine.OpenStream("healthy");
        var healthyEstimates = healthy.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);
        failed.Fail(new StreamingEngineException(StreamingErrorKind.InvalidAudio, "failed", "bad audio"));
        await Assert.ThrowsAsync<StreamingEngineException>(() => failed.Completion);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await failed.WriteAsync(new float[Hop], TestContext.Current.CancellationToken));
        await failed.CompleteAsync(TestContext.Current.CancellationToken);   // a no-op now
        await Feed(healthy, TestAudio.Speechlike(4 * Hop, 14), Hop);
        Assert.Equal(4, (await healthyEstimates).Count);
    }

    [Fact]
    public async Task A_model_failure_wakes_a_producer_waiting_for_room_with_the_streams_typed_error()
    {
        // The producer never drops (infinite budget) and writes 12 hops at once into a queue of 2: it waits for room that
        // only the model makes. The model fails: the write must end, with the stream's own typed error, not wait forever.
        var options = Lossless with { QueueHops = 2 };
        await using var engine = new EmotionEngine(new FaultInjectingRecognizer(TestAudio.Recognizer(2), failingAdvances: 1), options);
        var failing = engine.OpenStream("failing");

        var write = failing.WriteAsync(TestAudio.Speechlike(12 * Hop, 15), TestContext.Current.CancellationToken).AsTask();
        var error = await Assert.ThrowsAsync<StreamingEngineException>(() => write.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Equal(StreamingErrorKind.InferenceFailed, error.Kind);
        Assert.Contains("illegal memory access", error.Message, StringComparison.Ordinal);
        Assert.Same(error, await Assert.ThrowsAsync<StreamingEngineException>(() => failing.Completion));
        // Later writes say the same; completing is a no-op.
        Assert.Same(error, await Assert.ThrowsAsync<StreamingEngineException>(async () => await failing.WriteAsync(new float[10], TestContext.Current.CancellationToken)));
        await failing.CompleteAsync(TestContext.Current.CancellationToken);

        // The loop lives on: the next stream is served, in the slot the failed one freed.
        var next = engine.OpenStream("next");
        var estimates = next.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);
        await Feed(next, TestAudio.Speechlike(3 * Hop, 16), Hop);
        Assert.Equal(3, (await estimates).Count);
        Assert.Equal(0, engine.Recognizer.OpenStreams);
    }

    [Fact]
    public async Task The_audio_pump_returns_when_the_engine_fails_its_stream()
    {
        // `pld run file.wav`: a file read as fast as possible, the producer waiting for the model, which fails.
        var bytes = new MemoryStream();
        using (var writer = new WavWriter(bytes, new PcmFormat(48000, 2, SampleEncoding.Int16), leaveOpen: true))
            writer.WriteFrames(TestAudio.Speechlike(2 * 48000 * 4, 17));
        await using var engine = new EmotionEngine(new FaultInjectingRecognizer(TestAudio.Recognizer(1), failingAdvances: 1), Lossless with { QueueHops = 2 });
        var stream = engine.OpenStream("file");
        var estimates = stream.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);

        await using var source = WavStreamSource.Open(new NonSeekableInput(bytes.ToArray()), "call.wav");
        await AudioPump.RunAsync(source, stream, 16000, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<StreamingEngineException>(() => estimates);
        Assert.Equal(StreamingErrorKind.InferenceFailed, error.Kind);
        Assert.Equal("file", error.StreamId);
    }

    [Fact]
    public async Task A_device_failure_opening_a_stream_fails_only_that_stream_and_loses_no_slot()
    {
        await using var engine = new EmotionEngine(new FaultInjectingRecognizer(TestAudio.Recognizer(1), failingOpens: 1), Lossless);
        var first = engine.OpenStream("first");
        var firstEstimates = first.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);
        await first.WriteAsync(TestAudio.Speechlike(Hop, 18), TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<StreamingEngineException>(() => firstEstimates);
        Assert.Equal(StreamingErrorKind.InferenceFailed, error.Kind);
        Assert.Contains("could not open the stream", error.Message, StringComparison.Ordinal);
        Assert.Contains("out of memory", error.Message, StringComparison.Ordinal);

        // The recognizer has one slot; the failed open must not have taken it, and the loop must still run.
        var second = engine.OpenStream("second");
        var secondEstimates = second.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);
        await Feed(second, TestAudio.Speechlike(2 * Hop, 19), Hop);
        Assert.Equal(2, (await secondEstimates).Count);
    }

    [Fact]
    public async Task Disposing_the_engine_while_a_producer_writes_ends_the_stream_cleanly()
    {
        // The engine's shutdown completes every open stream while its producer may still be writing (a server stopping
        // mid-call): the producer must get a typed error, the engine must stop, and what was published must be whole hops.
        var engine = new EmotionEngine(TestAudio.Recognizer(1), Lossless with { QueueHops = 2 });
        var stream = engine.OpenStream("live");
        var estimates = stream.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);
        float[] chunk = TestAudio.Speechlike(Hop / 4, 20);
        var producer = Task.Run(async () =>
        {
            for (int i = 0; i < 100_000; i++)
                await stream.WriteAsync(chunk, TestContext.Current.CancellationToken);
        }, TestContext.Current.CancellationToken);
        while (stream.Statistics.HopsProcessed < 3)
            await Task.Delay(10, TestContext.Current.CancellationToken);

        await engine.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<StreamingEngineException>(() => producer.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Equal(StreamingErrorKind.EngineStopped, error.Kind);

        var published = await estimates;   // completed normally: the stream drained before the timeout
        Assert.True(published.Count >= 3, $"{published.Count} estimates");
        Assert.Equal(Enumerable.Range(0, published.Count).Select(i => (long)i), published.Select(e => e.Sequence));
        // Every estimate but the last ends on a hop boundary, and the audio ends where the producer's last whole write put it.
        Assert.All(published.SkipLast(1), e => Assert.Equal(0, Math.Round(e.AudioEnd.TotalSeconds * 16000) % Hop));
        Assert.Equal(0, Math.Round(published[^1].AudioEnd.TotalSeconds * 16000) % chunk.Length);
    }

    [Fact]
    public void A_hop_shorter_than_one_sample_is_refused()
    {
        using var recognizer = TestAudio.Recognizer(1, streaming: new PLDistill.Models.Checkpoints.StreamingParameters { HopMilliseconds = 0.01 });
        var error = Assert.Throws<ArgumentException>(() => new EmotionEngine(recognizer));
        Assert.Contains("holds no sample", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_nan_or_infinite_sample_is_silence_and_never_poisons_the_stream()
    {
        // A float WAV or FLOAT32 chunk may hold NaN or infinity: left alone, it would reach the stream's key/value caches
        // and make every estimate over the next window NaN. The stream goes on as if the sample were zero.
        float[] clean = TestAudio.Speechlike(8 * Hop, 21);
        clean[Hop + 17] = 0f;
        clean[3 * Hop + 5] = 0f;
        float[] poisoned = (float[])clean.Clone();
        poisoned[Hop + 17] = float.NaN;
        poisoned[3 * Hop + 5] = float.PositiveInfinity;

        async Task<IList<EmotionEstimate>> Run(float[] audio)
        {
            await using var engine = new EmotionEngine(TestAudio.Recognizer(1), Lossless);
            var stream = engine.OpenStream("s");
            var estimates = stream.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);
            await Feed(stream, audio, 1000);
            return await estimates;
        }

        var expected = await Run(clean);
        var actual = await Run(poisoned);
        Assert.Equal(8, actual.Count);
        Assert.All(actual, e => Assert.All(e.Probabilities, p => Assert.True(float.IsFinite(p))));
        for (int i = 0; i < expected.Count; i++)
            AssertClose(expected[i].Probabilities, actual[i].Probabilities, 1e-6);
    }

    /// <summary>Live audio that never ends: speech-like samples, a millisecond apart per read.</summary>
    private sealed class EndlessSource : IAudioSource
    {
        private readonly float[] audio = TestAudio.Speechlike(16000 * 10, 3);
        private int position;
        public string Name => "endless";
        public PcmFormat Format { get; } = new(16000, 1, SampleEncoding.Float32);

        public async ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken = default)
        {
            await Task.Delay(1, cancellationToken);
            int n = Math.Min(destination.Length, audio.Length - position);
            audio.AsSpan(position, n).CopyTo(destination.Span);
            position = (position + n) % audio.Length;
            return n;
        }

        public ValueTask DisposeAsync() => default;
    }

    [Fact(Timeout = 120_000)]
    public async Task The_pump_returns_normally_when_the_engine_shuts_down_under_it()
    {
        // The engine refuses audio at once on shutdown but completes the stream only once it has drained: a pump that
        // writes in between used to throw EngineStopped (4 runs of 5).
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var engine = new EmotionEngine(TestAudio.Recognizer(1),
                new EngineOptions { Policy = BackpressurePolicy.Coalesce, ProducerWaitBudget = TimeSpan.Zero, MaxBatchWait = TimeSpan.Zero });
            var stream = engine.OpenStream("mic");
            var pump = AudioPump.RunAsync(new EndlessSource(), stream, 16000, TestContext.Current.CancellationToken);
            while (stream.Statistics.HopsProcessed < 2)
                await Task.Delay(10, TestContext.Current.CancellationToken);

            await engine.DisposeAsync();

            await pump.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            await stream.Completion.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task A_write_cancelled_while_waiting_for_room_loses_no_audio()
    {
        using var gate = new ManualResetEventSlim(false);
        var recognizer = new FaultInjectingRecognizer(TestAudio.Recognizer(1), beforeAdvance: n => { if (n == 0) gate.Wait(); });
        await using var engine = new EmotionEngine(recognizer, Lossless with { QueueHops = 1 });
        var stream = engine.OpenStream("s");
        var collected = stream.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);
        float[] quarter = TestAudio.Speechlike(Hop / 4, 1);
        var ct = TestContext.Current.CancellationToken;
        for (int i = 0; i < 4; i++)
            await stream.WriteAsync(quarter, ct);   // hop 1: the model takes it and blocks
        while (stream.Statistics.QueuedNow != 0)
            await Task.Delay(5, ct);
        for (int i = 0; i < 4; i++)
            await stream.WriteAsync(quarter, ct);   // hop 2 fills the queue
        for (int i = 0; i < 3; i++)
            await stream.WriteAsync(quarter, ct);   // three quarters of hop 3, taken
        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))   // the last quarter waits for room
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await stream.WriteAsync(quarter, cancel.Token));

        gate.Set();
        for (int i = 0; i < 4; i++)
            await stream.WriteAsync(quarter, ct);   // hop 4
        await stream.CompleteAsync(ct);
        var estimates = await collected;

        // Hop 3 was made of samples the stream had taken: it is estimated, not lost uncounted.
        Assert.Equal(4, estimates.Count);
        Assert.Equal(0, stream.DroppedHops);
        Assert.Equal(TimeSpan.FromSeconds(1), estimates[^1].AudioEnd);
    }

    [Fact(Timeout = 60_000)]
    public async Task Hops_left_in_a_stream_the_engine_ended_are_not_counted_as_dropped()
    {
        var recognizer = new FaultInjectingRecognizer(TestAudio.Recognizer(1), failingAdvances: 1, beforeAdvance: _ => Thread.Sleep(300));
        await using var engine = new EmotionEngine(recognizer, new EngineOptions
        {
            QueueHops = 2, Policy = BackpressurePolicy.DropOldest, ProducerWaitBudget = TimeSpan.FromSeconds(5), MaxBatchWait = TimeSpan.Zero,
        });
        var stream = engine.OpenStream("s");
        var ct = TestContext.Current.CancellationToken;
        await stream.WriteAsync(TestAudio.Speechlike(Hop, 2), ct);   // the model takes it, slowly, then fails
        while (stream.Statistics.QueuedNow != 0)
            await Task.Delay(5, ct);
        // Two hops fill the queue; the third waits for room and is woken by the failure.
        var write = stream.WriteAsync(TestAudio.Speechlike(3 * Hop, 2), ct).AsTask();

        await Assert.ThrowsAsync<StreamingEngineException>(() => stream.Completion);
        await Assert.ThrowsAsync<StreamingEngineException>(() => write);

        Assert.Equal(0, stream.DroppedHops);   // the queue never overflowed: the model failed
        Assert.Equal(stream.DroppedHops, engine.Statistics.DroppedHops);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_write_waiting_for_room_ends_at_once_when_the_stream_is_failed_meanwhile()
    {
        using var gate = new ManualResetEventSlim(false);
        var recognizer = new FaultInjectingRecognizer(TestAudio.Recognizer(1), beforeAdvance: n => { if (n == 0) gate.Wait(); });
        await using var engine = new EmotionEngine(recognizer, Lossless with { QueueHops = 1, ProducerWaitBudget = TimeSpan.FromMilliseconds(300) });
        var stream = engine.OpenStream("s");
        var ct = TestContext.Current.CancellationToken;
        try
        {
            await stream.WriteAsync(TestAudio.Speechlike(Hop, 2), ct);   // the model takes it and blocks
            while (stream.Statistics.QueuedNow != 0)
                await Task.Delay(5, ct);
            await stream.WriteAsync(TestAudio.Speechlike(Hop, 3), ct);   // fills the queue
            var write = stream.WriteAsync(TestAudio.Speechlike(Hop, 4), ct).AsTask();   // waits for room
            await Task.Delay(50, ct);

            stream.Fail(new StreamingEngineException(StreamingErrorKind.InvalidAudio, stream.Id, "the source broke"));

            // The model is still busy: the write ends with the failure at once, and drops none of the engine's hops.
            var error = await Assert.ThrowsAsync<StreamingEngineException>(() => write.WaitAsync(TimeSpan.FromSeconds(5), ct));
            Assert.Equal("the source broke", error.Message.Split(": ")[^1]);
            Assert.Equal(0, stream.DroppedHops);
        }
        finally
        {
            gate.Set();
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Running_out_of_memory_ends_every_open_stream_with_the_reason_and_refuses_new_ones()
    {
        // A batch contains any failure but running out of memory, which ends the inference loop: the streams must learn
        // of it rather than wait for ever on a loop that is gone.
        var recognizer = new FaultInjectingRecognizer(TestAudio.Recognizer(2), beforeAdvance: n =>
        {
            if (n == 1)
                throw new OutOfMemoryException("no memory for the batch");
        });
        await using var engine = new EmotionEngine(recognizer, Lossless);
        var first = engine.OpenStream("a");
        var second = engine.OpenStream("b");
        var ct = TestContext.Current.CancellationToken;
        await first.WriteAsync(TestAudio.Speechlike(Hop, 1), ct);   // advance 0: fine
        while (first.Statistics.HopsProcessed == 0)
            await Task.Delay(5, ct);

        await second.WriteAsync(TestAudio.Speechlike(Hop, 2), ct);   // advance 1: out of memory

        foreach (var stream in new[] { first, second })
        {
            var error = await Assert.ThrowsAsync<StreamingEngineException>(() => stream.Completion.WaitAsync(TimeSpan.FromSeconds(10), ct));
            Assert.Equal(StreamingErrorKind.InferenceFailed, error.Kind);
            Assert.Contains("no memory for the batch", error.Message, StringComparison.Ordinal);
        }
        var refused = Assert.Throws<StreamingEngineException>(() => engine.OpenStream("c"));
        Assert.Contains("the engine stopped serving streams", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ProducerWaitBudget")]
    [InlineData("ShutdownDrainTimeout")]
    public void Waits_longer_than_a_day_are_refused_when_the_engine_is_made(string setting)
    {
        // TimeSpan.MaxValue reads as "wait for ever" but overflows the timers: it used to fail writes untyped, or break
        // DisposeAsync half-way (the model never freed). Timeout.InfiniteTimeSpan is the way to say it.
        var options = setting == "ProducerWaitBudget"
            ? new EngineOptions { ProducerWaitBudget = TimeSpan.MaxValue }
            : new EngineOptions { ShutdownDrainTimeout = TimeSpan.MaxValue };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => options.Validate());

        Assert.Equal(setting, error.ParamName);
        Assert.Equal(Timeout.InfiniteTimeSpan, new EngineOptions { ShutdownDrainTimeout = Timeout.InfiniteTimeSpan }.Validate().ShutdownDrainTimeout);
    }

    [Fact]
    public async Task No_estimate_is_made_up_before_the_model_has_heard_any_audio()
    {
        // 600 samples (37.5 ms) hold no audio token: the model's uniform placeholder is not an estimate.
        await using (var engine = new EmotionEngine(TestAudio.Recognizer(1), Lossless))
        {
            var stream = engine.OpenStream("short");
            var collected = stream.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);
            await Feed(stream, TestAudio.Speechlike(600, 3), 600);

            Assert.Empty(await collected);
            Assert.Equal(1, stream.Statistics.HopsProcessed);
        }

        // 20 ms hops: the first two hold no token yet; the first estimate starts the smoothing from real scores.
        var streaming = new StreamingParameters { HopMilliseconds = 20 };
        await using (var engine = new EmotionEngine(TestAudio.Recognizer(1, streaming: streaming), Lossless))
        {
            var stream = engine.OpenStream("short-hops");
            var collected = stream.Estimates.ToList().ToTask(TestContext.Current.CancellationToken);
            await Feed(stream, TestAudio.Speechlike(16000 / 5, 3), 320);
            var estimates = await collected;

            Assert.Equal(10, stream.Statistics.HopsProcessed);
            Assert.InRange(estimates.Count, 1, 9);
            Assert.All(estimates, e => Assert.True(e.Probabilities.Distinct().Count() > 1, "a uniform placeholder was published"));
            Assert.Equal(estimates[0].Probabilities, estimates[0].SmoothedProbabilities);
            Assert.Equal(Enumerable.Range(0, estimates.Count).Select(i => (long)i), estimates.Select(e => e.Sequence));
        }
    }
}
