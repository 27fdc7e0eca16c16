using System.Collections.Concurrent;
using System.Diagnostics;
using PLDistill.Streaming.Inference;
using PLDistill.Streaming.Observables;

namespace PLDistill.Streaming.Engine;

/// <summary>
/// The streaming engine: many live streams, one model, one inference loop.
/// <code>
///  producer ─WriteAsync─► hop cutter ─► per-stream bounded hop queue ─┐        (backpressure: wait ≤ budget, then drop oldest)
///  producer ─WriteAsync─► hop cutter ─► per-stream bounded hop queue ─┼─► ready queue ─► scheduler (batch ≤ N, wait ≤ t)
///                                                                      ┘       │
///   recognizer.Advance(batch): features → encoder step → projector → device cache → LM head   (one forward pass)
///                                                                              │
///   smoothing ─► EmotionEstimate ─► per-stream observable + all-streams observable   (per-subscriber bounded queues)
/// </code>
/// </summary>
public sealed class EmotionEngine : IAsyncDisposable
{
    private readonly IEmotionRecognizer recognizer;
    private readonly EngineOptions options;
    private readonly ConcurrentDictionary<string, StreamHandle> streams = new(StringComparer.Ordinal);
    // Streams with hops to run. A blocking queue, waited on by the loop's own thread: the loop never needs a pool thread,
    // so subscribers or callers that block pool threads cannot stall inference.
    private readonly BlockingCollection<StreamHandle> ready = new(new ConcurrentQueue<StreamHandle>());
    private readonly NonBlockingBroadcast<EmotionEstimate> all;
    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource loopEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock admission = new();
    private readonly int hopSamples, windowSamples;
    private long batches, streamSteps, coalesced;
    // Running totals, counted where each drop happens: a total summed over the open streams would dip for an instant
    // while a finishing stream leaves the table, and metrics read such a dip as a counter reset.
    private long droppedHops, subscriberDrops;
    private Exception? loopFailure;   // what ended the inference loop early, if anything (under the admission lock)
    private int largestBatch;
    private bool disposed;

    /// <summary>Starts the inference loop over <paramref name="recognizer"/> (the engine owns it from now on).</summary>
    public EmotionEngine(IEmotionRecognizer recognizer, EngineOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(recognizer);
        this.recognizer = recognizer;
        this.options = (options ?? new EngineOptions()).Validate();
        Time = time ?? TimeProvider.System;
        hopSamples = (int)Math.Round(recognizer.Streaming.HopMilliseconds * recognizer.SampleRate / 1000);
        windowSamples = (int)Math.Round(recognizer.Streaming.WindowSeconds * recognizer.SampleRate);
        if (hopSamples < 1)
            throw new ArgumentException($"a hop of {recognizer.Streaming.HopMilliseconds} ms holds no sample at {recognizer.SampleRate} Hz", nameof(recognizer));
        all = new NonBlockingBroadcast<EmotionEstimate>(this.options.SubscriberBuffer, CountSubscriberDrop);
        new Thread(RunLoop) { IsBackground = true, Name = "pld-inference" }.Start();
    }

    /// <summary>
    /// Every stream's estimates, as they are published; completes when the engine is disposed. Each subscriber's OnNext runs
    /// on a thread-pool thread of its own and should not block: inference runs on the engine's own thread and goes on, but
    /// a blocking subscriber holds a pool thread that the process's other work (async producers, a server's calls) may
    /// need, and falls behind, losing its own oldest estimates.
    /// </summary>
    public IObservable<EmotionEstimate> Estimates => all;

    /// <summary>The clock latencies are measured with.</summary>
    public TimeProvider Time { get; }

    /// <summary>The model settings streams run with.</summary>
    public IEmotionRecognizer Recognizer => recognizer;

    /// <summary>Samples per hop at the model's rate.</summary>
    public int HopSamples => hopSamples;

    /// <summary>Streams open now.</summary>
    public IReadOnlyCollection<StreamHandle> Streams => streams.Values.ToArray();

    /// <summary>Opens a stream named <paramref name="streamId"/>.</summary>
    /// <exception cref="StreamingEngineException">The id is in use, every slot is taken, or the engine is stopping.</exception>
    public StreamHandle OpenStream(string streamId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(streamId);
        lock (admission)
        {
            if (disposed)
                throw new StreamingEngineException(StreamingErrorKind.EngineStopped, streamId, "the engine is shutting down");
            if (loopFailure is { } fatal)
                throw new StreamingEngineException(StreamingErrorKind.InferenceFailed, streamId, $"the engine stopped serving streams: {fatal.Message}", fatal);
            if (streams.ContainsKey(streamId))
                throw new StreamingEngineException(StreamingErrorKind.DuplicateStreamId, streamId, "a stream with this id is already open");
            if (streams.Count >= recognizer.MaxStreams)
                throw new StreamingEngineException(StreamingErrorKind.CapacityExhausted, streamId,
                    $"all {recognizer.MaxStreams} stream slots are in use");
            var stream = new StreamHandle(this, streamId, hopSamples, options);
            streams[streamId] = stream;
            return stream;
        }
    }

    /// <summary>Counters now.</summary>
    public EngineStatistics Statistics => new()
    {
        OpenStreams = streams.Count,
        MaxStreams = recognizer.MaxStreams,
        Batches = Interlocked.Read(ref batches),
        StreamSteps = Interlocked.Read(ref streamSteps),
        LargestBatch = Volatile.Read(ref largestBatch),
        DroppedHops = Interlocked.Read(ref droppedHops),
        CoalescedHops = Interlocked.Read(ref coalesced),
        SubscriberDrops = Interlocked.Read(ref subscriberDrops),
    };

    /// <summary>Counts a hop a stream dropped for want of queue room.</summary>
    internal void CountDroppedHop() => Interlocked.Increment(ref droppedHops);

    /// <summary>Counts an estimate a slow subscriber lost (of a stream's observable or of <see cref="Estimates"/>).</summary>
    internal void CountSubscriberDrop() => Interlocked.Increment(ref subscriberDrops);

    /// <summary>
    /// Puts <paramref name="stream"/> in the ready queue unless it is there already. Unbounded, yet the queue never holds
    /// a stream twice (<see cref="StreamHandle.Scheduled"/>): at most the streams alive, open or just ended.
    /// </summary>
    internal void MarkReady(StreamHandle stream)
    {
        if (!stream.Finished.Task.IsCompleted && Interlocked.Exchange(ref stream.Scheduled, 1) == 0)
            ready.Add(stream);
    }

    // The inference loop, on a thread of its own from the engine's start to its disposal.
    private void RunLoop()
    {
        var batch = new List<StreamHandle>(options.MaxBatchStreams);
        try
        {
            while (true)
            {
                batch.Clear();
                batch.Add(ready.Take(stopping.Token));
                Drain(batch);
                if (batch.Count < options.MaxBatchStreams && options.MaxBatchWait > TimeSpan.Zero)
                    GatherMore(batch);
                try
                {
                    Run(batch);
                }
                catch (Exception failure) when (failure is not OutOfMemoryException)
                {
                    // Whatever went wrong fails this batch's streams, never the loop that serves all the others.
                    foreach (var stream in batch)
                        Finish(stream, new StreamingEngineException(StreamingErrorKind.InferenceFailed, stream.Id, $"the engine failed: {failure.Message}", failure));
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposal: streams still open are failed by DisposeAsync.
        }
        catch (Exception fatal)
        {
            // Only what a batch cannot contain gets here (out of memory): the loop cannot go on, so every open stream
            // ends now with the reason, and new ones are refused, instead of waiting for ever on a loop that is gone.
            lock (admission)
                loopFailure = fatal;
            foreach (var stream in streams.Values.ToArray())
                Finish(stream, new StreamingEngineException(StreamingErrorKind.InferenceFailed, stream.Id, $"the engine stopped serving streams: {fatal.Message}", fatal));
        }
        finally
        {
            loopEnded.TrySetResult();
        }
    }

    private void Drain(List<StreamHandle> batch)
    {
        while (batch.Count < options.MaxBatchStreams && ready.TryTake(out var stream))
            batch.Add(stream);
    }

    // Dynamic batching: wait up to MaxBatchWait for more streams to become ready, so their hops share one forward pass.
    private void GatherMore(List<StreamHandle> batch)
    {
        long start = Stopwatch.GetTimestamp();
        while (batch.Count < options.MaxBatchStreams)
        {
            var left = options.MaxBatchWait - Stopwatch.GetElapsedTime(start);
            if (left <= TimeSpan.Zero || !ready.TryTake(out var stream, (int)Math.Ceiling(left.TotalMilliseconds), stopping.Token))
                return;   // the wait is over: run what we have
            batch.Add(stream);
            Drain(batch);
        }
    }

    private void Run(List<StreamHandle> batch)
    {
        var work = new List<(StreamHandle Stream, Hop Last, int Merged)>(batch.Count);
        var inputs = new List<HopInput>(batch.Count);
        foreach (var stream in batch)
        {
            Volatile.Write(ref stream.Scheduled, 0);   // hops queued from here on mark it ready again
            if (!streams.TryGetValue(stream.Id, out var open) || !ReferenceEquals(open, stream))
                continue;                              // already finished (failed or drained): never step a closed session
            var hops = TakeHops(stream);
            if (hops.Count == 0)
            {
                if (stream.Queue.Completion.IsCompleted)
                    Finish(stream, stream.Queue.Completion.Exception?.InnerException);
                continue;
            }
            try
            {
                stream.Session ??= recognizer.Open();
            }
            catch (InvalidOperationException full)
            {
                Finish(stream, new StreamingEngineException(StreamingErrorKind.CapacityExhausted, stream.Id, full.Message, full));
                continue;
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                // For example the device ran out of memory for the stream's caches.
                Finish(stream, new StreamingEngineException(StreamingErrorKind.InferenceFailed, stream.Id, $"the model could not open the stream: {failure.Message}", failure));
                continue;
            }
            float[] samples = hops.Count == 1 ? hops[0].Samples : hops.SelectMany(h => h.Samples).ToArray();
            work.Add((stream, hops[^1], hops.Count));
            inputs.Add(new HopInput(stream.Session, samples));
        }
        if (work.Count == 0)
            return;

        long started = Time.GetTimestamp();
        IReadOnlyList<EmotionScores> scores;
        try
        {
            scores = recognizer.Advance(inputs);
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            foreach (var (stream, _, _) in work)
                Finish(stream, new StreamingEngineException(StreamingErrorKind.InferenceFailed, stream.Id, $"the model failed: {failure.Message}", failure));
            return;
        }
        var modelLatency = Time.GetElapsedTime(started);
        Interlocked.Increment(ref batches);
        Interlocked.Add(ref streamSteps, work.Count);
        if (work.Count > largestBatch)
            Volatile.Write(ref largestBatch, work.Count);

        for (int i = 0; i < work.Count; i++)
        {
            var (stream, last, merged) = work[i];
            Publish(stream, last, merged, scores[i], modelLatency);
            if (stream.Queue.Count > 0 || stream.Queue.Completion.IsCompleted)
                MarkReady(stream);
        }
    }

    private List<Hop> TakeHops(StreamHandle stream)
    {
        int limit = options.Policy == BackpressurePolicy.Coalesce ? options.MaxCoalescedHops : 1;
        var hops = new List<Hop>(Math.Min(limit, 8));
        while (hops.Count < limit && stream.Queue.TryRead(out var hop))
            hops.Add(hop);
        return hops;   // what is left is scheduled once this batch is published (Run)
    }

    private void Publish(StreamHandle stream, Hop last, int merged, EmotionScores scores, TimeSpan modelLatency)
    {
        Interlocked.Add(ref stream.HopsProcessed, merged);
        Interlocked.Add(ref stream.CoalescedHops, merged - 1);
        Interlocked.Add(ref coalesced, merged - 1);
        Interlocked.Exchange(ref stream.DeviceBytes, stream.Session!.DeviceBytes);
        Interlocked.Exchange(ref stream.SessionHostBytes, stream.Session.HostBytes);
        // Until a stream holds one audio token (about 55 ms of audio) the model has heard nothing: its scores then are a
        // uniform placeholder, not an estimate, and would pull the smoothing towards it for the hops after.
        if (scores.WindowFrames == 0)
            return;

        var labels = recognizer.Labels.Words;
        stream.Smoother ??= new ProbabilitySmoother(options.SmoothingWeight);
        var smoothed = stream.Smoother.Next(scores.Probabilities);
        // -1: no finite probability yet (every hop so far was non-finite); the estimate then says so with Confidence 0.
        int best = ProbabilitySmoother.MostProbable(smoothed);
        var end = TimeSpan.FromSeconds((double)last.EndSample / recognizer.SampleRate);
        var start = TimeSpan.FromSeconds((double)Math.Max(0, last.EndSample - windowSamples) / recognizer.SampleRate);
        var estimate = new EmotionEstimate
        {
            StreamId = stream.Id,
            Sequence = stream.Sequence++,
            AudioStart = start,
            AudioEnd = end,
            Label = labels[Math.Max(best, 0)],
            Labels = labels,
            Probabilities = scores.Probabilities,
            SmoothedProbabilities = smoothed,
            Confidence = best < 0 ? 0f : smoothed[best],
            ModelLatency = modelLatency,
            EndToEndLatency = Time.GetElapsedTime(last.ArrivalTimestamp),
            CoalescedHops = merged - 1,
            DroppedHops = stream.DroppedHops,
        };
        stream.Broadcast.Publish(estimate);
        all.Publish(estimate);
    }

    // Ends a stream: frees its model slot, completes (or fails) its observers and its Completion task, and closes its hop
    // queue, which wakes a producer waiting for room (its write then fails with the same error). Never throws.
    private void Finish(StreamHandle stream, Exception? failure)
    {
        if (!streams.TryRemove(new KeyValuePair<string, StreamHandle>(stream.Id, stream)))
            return;
        try
        {
            stream.Session?.Dispose();
        }
        catch (Exception release) when (release is not OutOfMemoryException)
        {
            failure ??= release;   // the stream's observers hear of it; the others are not concerned
        }
        Interlocked.Exchange(ref stream.DeviceBytes, 0);
        var error = failure switch
        {
            null => null,
            StreamingEngineException typed => typed,
            _ => new StreamingEngineException(StreamingErrorKind.InferenceFailed, stream.Id, failure.Message, failure),
        };
        stream.Broadcast.Complete(error);
        if (error is null) stream.Finished.TrySetResult(); else stream.Finished.TrySetException(error);
        stream.CloseQueue();
    }

    private static async Task EndAndDrainAsync(StreamHandle[] open)
    {
        await Task.WhenAll(open.Select(s => s.EndForShutdownAsync())).ConfigureAwait(false);
        // A stream that fails while draining is failed for its own observers; the shutdown only waits for it to end.
        await Task.WhenAll(open.Select(s => s.Completion.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops admitting streams, ends every open stream (its queued audio is still processed, within
    /// <see cref="EngineOptions.ShutdownDrainTimeout"/>), stops the loop, fails what did not drain, and completes
    /// <see cref="Estimates"/>.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        lock (admission)
        {
            if (disposed)
                return;
            disposed = true;
        }
        var open = streams.Values.ToArray();
        // Each stream takes no more audio; its partial last hop is queued once a write in progress is done (the loop still
        // runs, so a write waiting for room gets it). Then its queued hops drain, all within the drain timeout.
        await Task.WhenAny(EndAndDrainAsync(open), Task.Delay(options.ShutdownDrainTimeout, Time)).ConfigureAwait(false);

        stopping.Cancel();
        try
        {
            await loopEnded.Task.ConfigureAwait(false);
        }
        finally
        {
            foreach (var stream in streams.Values.ToArray())
                Finish(stream, new StreamingEngineException(StreamingErrorKind.EngineStopped, stream.Id, "the engine shut down before the stream drained"));
            all.Complete();
            recognizer.Dispose();
            stopping.Dispose();
        }
    }
}
