using System.Threading.Channels;
using PLDistill.Audio.Processing;
using PLDistill.Streaming.Inference;
using PLDistill.Streaming.Observables;

namespace PLDistill.Streaming.Engine;

/// <summary>
/// One live stream in the engine. The producer side: <see cref="WriteAsync"/> mono samples at the model's rate in chunks
/// of any size, then <see cref="CompleteAsync"/> (or <see cref="Fail"/>). The consumer side: <see cref="Estimates"/>.
/// Samples are cut into hops and queued in a bounded channel; the engine's inference loop takes them from there.
/// </summary>
/// <remarks>
/// <see cref="WriteAsync"/> and <see cref="CompleteAsync"/> run one at a time (a second call waits for the first): the
/// engine's shutdown completes streams whose producer may still be writing.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "The SemaphoreSlim is used only through WaitAsync/Release, which allocate no wait handle: there is nothing to dispose.")]
public sealed class StreamHandle
{
    private readonly EmotionEngine engine;
    private readonly Channel<Hop> queue;
    private readonly NonBlockingBroadcast<EmotionEstimate> estimates;
    private readonly TaskCompletionSource finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim producer = new(1, 1);   // guards the partial hop and writerDone (Fail sets it without)
    private readonly float[] partial;
    private int partialCount;
    private long samplesWritten;
    private Hop? held;   // a whole hop whose queueing a cancelled call gave up on: queued before anything else
    private long hopsQueued, dropped;
    private volatile bool writerDone;
    private volatile bool engineStopping;
    internal int Scheduled;   // 1 while the stream sits in the engine's ready queue

    internal StreamHandle(EmotionEngine engine, string id, int hopSamples, EngineOptions options)
    {
        this.engine = engine;
        Id = id;
        HopSamples = hopSamples;
        partial = new float[hopSamples];
        Options = options;
        queue = Channel.CreateBounded<Hop>(new BoundedChannelOptions(options.QueueHops)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = true,
            SingleReader = false,   // the producer itself removes the oldest hop when the budget runs out
        });
        estimates = new NonBlockingBroadcast<EmotionEstimate>(options.SubscriberBuffer, engine.CountSubscriberDrop);
    }

    /// <summary>The stream's id (unique among open streams).</summary>
    public string Id { get; }

    /// <summary>Samples per hop at the model's rate.</summary>
    public int HopSamples { get; }

    /// <summary>
    /// This stream's estimates, in order; OnCompleted after the last, OnError with <see cref="StreamingEngineException"/>.
    /// Each subscriber's OnNext runs on a thread-pool thread of its own and should not block: inference goes on (it has its
    /// own thread), but a blocking subscriber holds a pool thread that other work may need, and falls behind, losing its own
    /// oldest estimates.
    /// </summary>
    public IObservable<EmotionEstimate> Estimates => estimates;

    /// <summary>
    /// Completes when the stream's last estimate is published (faults as <see cref="Estimates"/> does). Subscribers receive
    /// on their own tasks and may still be handling the last estimates then; wait for their OnCompleted to know they have.
    /// </summary>
    public Task Completion => finished.Task;

    internal EngineOptions Options { get; }
    internal ChannelReader<Hop> Queue => queue.Reader;
    internal NonBlockingBroadcast<EmotionEstimate> Broadcast => estimates;
    internal TaskCompletionSource Finished => finished;

    // Owned by the inference loop.
    internal RecognizerSession? Session { get; set; }
    internal ProbabilitySmoother? Smoother { get; set; }
    internal long Sequence { get; set; }
    internal long HopsProcessed, CoalescedHops, DeviceBytes, SessionHostBytes;

    /// <summary>Hops dropped so far because the queue overflowed.</summary>
    public long DroppedHops => Interlocked.Read(ref dropped);

    /// <summary>
    /// Appends mono samples at the model's rate. Waits at most <see cref="EngineOptions.ProducerWaitBudget"/> when the
    /// stream's queue is full, then drops the oldest hop (counted). A NaN or infinite sample is taken as silence.
    /// </summary>
    /// <remarks>A write cancelled while it waits for room has taken its samples up to that hop: none is lost, the hop
    /// is queued first by the next <see cref="WriteAsync"/> or <see cref="CompleteAsync"/>.</remarks>
    /// <exception cref="InvalidOperationException">The producer already completed or failed the stream.</exception>
    /// <exception cref="StreamingEngineException">The engine ended the stream (its <see cref="Completion"/> carries the same
    /// error: the model failed, or the engine is shutting down); a write waiting for room is woken by it.</exception>
    public async ValueTask WriteAsync(ReadOnlyMemory<float> samples, CancellationToken cancellationToken = default)
    {
        await producer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfEnded();
            await EnqueueHeldAsync(cancellationToken).ConfigureAwait(false);
            while (!samples.IsEmpty)
            {
                int take = Math.Min(samples.Length, HopSamples - partialCount);
                var copied = partial.AsSpan(partialCount, take);
                samples.Span[..take].CopyTo(copied);
                NonFiniteSamples.ToSilence(copied);   // for writers that bypass MonoConditioner
                partialCount += take;
                samplesWritten += take;
                samples = samples[take..];
                if (partialCount == HopSamples)
                    await EnqueueOrHoldAsync(TakePartial(), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            producer.Release();
        }
    }

    /// <summary>Ends the stream: the partial last hop is queued, then the engine publishes the last estimate and completes.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        await producer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (writerDone || finished.Task.IsCompleted)
                return;
            await EnqueueHeldAsync(cancellationToken).ConfigureAwait(false);
            if (partialCount > 0)
                await EnqueueOrHoldAsync(TakePartial(), cancellationToken).ConfigureAwait(false);
            writerDone = true;
            queue.Writer.TryComplete();
            engine.MarkReady(this);
        }
        finally
        {
            producer.Release();
        }
    }

    /// <summary>
    /// The engine's shutdown: from now on writes fail with <see cref="StreamingErrorKind.EngineStopped"/>; once a write in
    /// progress is done, the partial last hop is queued and the stream completes as by <see cref="CompleteAsync"/>.
    /// </summary>
    internal async Task EndForShutdownAsync()
    {
        engineStopping = true;
        try
        {
            await CompleteAsync().ConfigureAwait(false);
        }
        catch (StreamingEngineException)
        {
            // The engine ended the stream meanwhile (its model failed): nothing is left to complete.
        }
    }

    /// <summary>
    /// True when <paramref name="error"/>, thrown by a write, means the engine has ended this stream or is draining it
    /// to stop (it refuses audio at once, and completes the stream once what it holds is estimated): the producer then
    /// just stops, and <see cref="Completion"/> says how the stream ended.
    /// </summary>
    public bool IsEndedByEngine(StreamingEngineException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return finished.Task.IsCompleted || error.Kind == StreamingErrorKind.EngineStopped;
    }

    /// <summary>The engine ended the stream: closes its hop queue, which wakes a producer waiting for room.</summary>
    internal void CloseQueue() => queue.Writer.TryComplete();

    /// <summary>Ends the stream with an error (for example undecodable audio): subscribers get OnError with <paramref name="error"/>.</summary>
    public void Fail(StreamingEngineException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        writerDone = true;
        queue.Writer.TryComplete(error);
        engine.MarkReady(this);
    }

    /// <summary>Counters and memory now.</summary>
    public StreamStatistics Statistics => new()
    {
        StreamId = Id,
        HopsQueued = Interlocked.Read(ref hopsQueued),
        HopsProcessed = Interlocked.Read(ref HopsProcessed),
        DroppedHops = DroppedHops,
        CoalescedHops = Interlocked.Read(ref CoalescedHops),
        Estimates = Sequence,
        QueuedNow = queue.Reader.Count,
        DeviceBytes = Interlocked.Read(ref DeviceBytes),
        HostBytes = (long)(queue.Reader.Count + 1) * HopSamples * sizeof(float) + Interlocked.Read(ref SessionHostBytes),
    };

    private Hop TakePartial()
    {
        var hop = new Hop(partial.AsSpan(0, partialCount).ToArray(), samplesWritten, engine.Time.GetTimestamp());
        partialCount = 0;
        return hop;
    }

    private void ThrowIfEnded()
    {
        // The engine's reasons first (a failed model, a shutdown, which may have completed the stream itself), then the
        // producer's own end: writing after one's own CompleteAsync or Fail is a mistake of the caller's.
        if (engineStopping || (finished.Task.IsFaulted && !writerDone))
            throw EndedByEngine();
        if (writerDone || finished.Task.IsCompleted)
            throw new InvalidOperationException($"stream '{Id}' has ended; open a new stream");
    }

    // The error the engine ended the stream with (its Completion's), or the shutdown's.
    private StreamingEngineException EndedByEngine() =>
        finished.Task.Exception?.InnerException as StreamingEngineException
        ?? new StreamingEngineException(StreamingErrorKind.EngineStopped, Id, "the engine is shutting down; the stream takes no more audio");

    // A hop is made of samples earlier calls were told were taken: a cancelled wait for room keeps it for the next call.
    private async ValueTask EnqueueOrHoldAsync(Hop hop, CancellationToken cancellationToken)
    {
        try
        {
            await EnqueueAsync(hop, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            held = hop;
            throw;
        }
    }

    private async ValueTask EnqueueHeldAsync(CancellationToken cancellationToken)
    {
        if (held is not { } hop)
            return;
        held = null;
        await EnqueueOrHoldAsync(hop, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask EnqueueAsync(Hop hop, CancellationToken cancellationToken)
    {
        if (!queue.Writer.TryWrite(hop))
        {
            if (Options.ProducerWaitBudget != TimeSpan.Zero)
                await WaitForRoomAsync(cancellationToken).ConfigureAwait(false);
            // Budget spent (or none): make room by dropping the oldest queued hop.
            while (!queue.Writer.TryWrite(hop))
            {
                // The engine closed the queue (it ended the stream): nothing will read it again, and what is left in it
                // was not dropped for want of room.
                if (finished.Task.IsCompleted)
                    throw EndedByEngine();
                // Fail, called meanwhile from elsewhere, closed the queue to writes: the hops in it are the engine's.
                if (writerDone)
                    throw new InvalidOperationException($"stream '{Id}' was failed while this write waited for room; open a new stream");
                if (queue.Reader.TryRead(out _))
                {
                    Interlocked.Increment(ref dropped);
                    engine.CountDroppedHop();
                }
            }
        }
        Interlocked.Increment(ref hopsQueued);
        engine.MarkReady(this);
    }

    // Waits until the queue has room or the producer's budget is spent.
    private async ValueTask WaitForRoomAsync(CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (Options.ProducerWaitBudget != Timeout.InfiniteTimeSpan)
            budget.CancelAfter(Options.ProducerWaitBudget);
        try
        {
            await queue.Writer.WaitToWriteAsync(budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Budget spent.
        }
    }
}
