using PLDistill.Server.Hub;
using PLDistill.Server.Observability;
using PLDistill.Streaming.Engine;
using Prometheus;

namespace PLDistill.Server.Calls;

/// <summary>
/// Observes one engine stream and publishes each estimate to the hub, counting it and keeping the running sums of the
/// probabilities for the summary. The engine delivers to it on one task, in order, so it needs no lock of its own.
/// </summary>
internal sealed class EstimateRelay : IObserver<EmotionEstimate>, IDisposable
{
    private readonly StreamHub hub;
    private readonly StreamEntry stream;
    private readonly ServerMetrics metrics;
    private readonly TimeProvider time;
    // The tenant's series, looked up once per stream rather than once per estimate.
    private readonly Counter.Child estimates, hops, droppedHops, coalescedHops;
    private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource failed = new();
    private double[]? sums;
    private long droppedSeen;

    public EstimateRelay(StreamHub hub, StreamEntry stream, ServerMetrics metrics, TimeProvider time)
    {
        this.hub = hub;
        this.stream = stream;
        this.metrics = metrics;
        this.time = time;
        estimates = metrics.Estimates.WithLabels(stream.Tenant);
        hops = metrics.Hops.WithLabels(stream.Tenant);
        droppedHops = metrics.DroppedHops.WithLabels(stream.Tenant);
        coalescedHops = metrics.CoalescedHops.WithLabels(stream.Tenant);
    }

    /// <summary>Completes after the last estimate was published; faults with the engine's error.</summary>
    public Task Completion => done.Task;

    /// <summary>Cancelled when the engine ended the stream with an error (stop feeding it).</summary>
    public CancellationToken Failed => failed.Token;

    /// <summary>
    /// Mean probabilities over the estimates published (<see cref="StreamEntry.Estimates"/> counts them; empty before the
    /// first). Read after <see cref="Completion"/>.
    /// </summary>
    public float[] MeanProbabilities
    {
        get
        {
            long count = stream.Estimates;
            return sums is null || count == 0 ? [] : sums.Select(s => (float)(s / count)).ToArray();
        }
    }

    public void OnNext(EmotionEstimate value)
    {
        sums ??= new double[value.Probabilities.Count];
        for (int i = 0; i < sums.Length; i++)
            sums[i] += value.Probabilities[i];

        estimates.Inc();
        hops.Inc(1 + value.CoalescedHops);
        CountDrops(value.DroppedHops);
        if (value.CoalescedHops > 0)
            coalescedHops.Inc(value.CoalescedHops);
        metrics.ServerLatency.Observe(value.EndToEndLatency.TotalSeconds);
        metrics.ModelLatency.Observe(value.ModelLatency.TotalSeconds);
        hub.Publish(stream, EventMapper.Estimate(stream, value, time.GetUtcNow()), value.AudioEnd);
    }

    /// <summary>Counts drops that happened after the last estimate (read after <see cref="Completion"/>).</summary>
    public void CountFinalDrops(long droppedHops) => CountDrops(droppedHops);

    public void OnError(Exception error)
    {
        failed.Cancel();
        done.TrySetException(error);
    }

    public void OnCompleted() => done.TrySetResult();

    public void Dispose() => failed.Dispose();

    // The engine reports a running total; the counter takes the increase.
    private void CountDrops(long droppedSoFar)
    {
        if (droppedSoFar <= droppedSeen)
            return;
        droppedHops.Inc(droppedSoFar - droppedSeen);
        droppedSeen = droppedSoFar;
    }
}
