using PLDistill.Server.Hub;
using PLDistill.Server.Observability;
using PLDistill.Streaming.Engine;

namespace PLDistill.Server.Calls;

/// <summary>
/// Observes one engine stream and publishes each estimate to the hub, counting it and keeping the running mean of the
/// probabilities for the summary. The engine delivers to it on one task, in order, so it needs no lock of its own.
/// </summary>
internal sealed class EstimateRelay(StreamHub hub, StreamEntry stream, ServerMetrics metrics, TimeProvider time) : IObserver<EmotionEstimate>, IDisposable
{
    private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource failed = new();
    private double[]? sums;
    private long count, droppedSeen;

    /// <summary>Completes after the last estimate was published; faults with the engine's error.</summary>
    public Task Completion => done.Task;

    /// <summary>Cancelled when the engine ended the stream with an error (stop feeding it).</summary>
    public CancellationToken Failed => failed.Token;

    /// <summary>Estimates published.</summary>
    public long Count => Interlocked.Read(ref count);

    /// <summary>Mean probabilities over all estimates (empty before the first). Read after <see cref="Completion"/>.</summary>
    public float[] MeanProbabilities => sums is null || count == 0 ? [] : sums.Select(s => (float)(s / count)).ToArray();

    public void OnNext(EmotionEstimate value)
    {
        sums ??= new double[value.Probabilities.Count];
        for (int i = 0; i < sums.Length; i++)
            sums[i] += value.Probabilities[i];
        Interlocked.Increment(ref count);

        string tenant = stream.Tenant;
        metrics.Estimates.WithLabels(tenant).Inc();
        metrics.Hops.WithLabels(tenant).Inc(1 + value.CoalescedHops);
        if (value.DroppedHops > droppedSeen)
        {
            metrics.DroppedHops.WithLabels(tenant).Inc(value.DroppedHops - droppedSeen);
            droppedSeen = value.DroppedHops;
        }
        if (value.CoalescedHops > 0)
            metrics.CoalescedHops.WithLabels(tenant).Inc(value.CoalescedHops);
        metrics.ServerLatency.Observe(value.EndToEndLatency.TotalSeconds);
        metrics.ModelLatency.Observe(value.ModelLatency.TotalSeconds);
        hub.Publish(stream, EventMapper.Estimate(stream, value, time.GetUtcNow()), value.AudioEnd);
    }

    /// <summary>Counts drops that happened after the last estimate (read after <see cref="Completion"/>).</summary>
    public void CountFinalDrops(long droppedHops)
    {
        if (droppedHops > droppedSeen)
            metrics.DroppedHops.WithLabels(stream.Tenant).Inc(droppedHops - droppedSeen);
        droppedSeen = Math.Max(droppedSeen, droppedHops);
    }

    public void OnError(Exception error)
    {
        failed.Cancel();
        done.TrySetException(error);
    }

    public void OnCompleted() => done.TrySetResult();

    public void Dispose() => failed.Dispose();
}
