using PLDistill.Api.V1;
using PLDistill.Server.Calls;
using PLDistill.Server.Configuration;
using PLDistill.Server.Errors;
using PLDistill.Server.Observability;

namespace PLDistill.Server.Hub;

/// <summary>
/// Every open stream and every event sink, per tenant. Streams are admitted here (limits per tenant and in total, ids
/// unique per tenant), and every event of a stream passes through <see cref="Publish"/> to each sink that follows it.
/// </summary>
/// <remarks>
/// One lock orders everything: a subscriber attaches (and gets its replay) between two publications, so it sees every
/// event after its replay exactly once and in order. Publishing never waits: sinks are bounded and a full one is closed.
/// </remarks>
public sealed class StreamHub
{
    private readonly LimitSettings limits;
    private readonly ServerMetrics metrics;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly Dictionary<(string Tenant, string Id), StreamEntry> streams = [];
    private readonly Dictionary<string, int> streamsPerTenant = new(StringComparer.Ordinal);
    // Subscribers by tenant; a caller's own sink hangs off its stream. Delivering an event costs its tenant's subscribers.
    private readonly Dictionary<string, List<EventSink>> subscribers = new(StringComparer.Ordinal);

    // Open Subscribe calls by tenant, for its limit: a subscriber that fell behind leaves the delivery list at once but
    // keeps its place until its call ends, so a client that never reads cannot open more by overflowing them.
    private readonly Dictionary<string, int> subscribeCalls = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource streamsClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool stopping;

    /// <summary>A hub enforcing <paramref name="options"/>' limits.</summary>
    public StreamHub(ServerOptions options, ServerMetrics metrics, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        limits = options.Limits;
        this.metrics = metrics;
        this.time = time;
    }

    /// <summary>True once the server began shutting down: no new streams or subscribers are admitted.</summary>
    public bool IsStopping
    {
        get
        {
            lock (gate)
                return stopping;
        }
    }

    /// <summary>Completes when the server is stopping and every stream has ended.</summary>
    public Task StreamsClosed => streamsClosed.Task;

    /// <summary>Admits a stream (not yet announced: see <see cref="Start"/>).</summary>
    /// <exception cref="Grpc.Core.RpcException">ALREADY_EXISTS, RESOURCE_EXHAUSTED or UNAVAILABLE.</exception>
    public StreamEntry Reserve(StreamSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        string tenant = setup.Tenant.Name;
        lock (gate)
        {
            if (stopping)
                throw ServiceErrors.Unavailable("the server is shutting down and accepts no new streams; retry against another instance");
            if (streams.TryGetValue((tenant, setup.StreamId), out var open))
            {
                // A call that ended (a client that cancelled and reconnects) leaves its received audio to be estimated
                // for its subscribers: the id is free again in moments, so this is a transient refusal, not a clash.
                throw open.Finishing
                    ? ServiceErrors.Unavailable($"stream '{setup.StreamId}' has ended and the audio it received is still being estimated for its subscribers; retry in a moment")
                    : ServiceErrors.AlreadyExists($"stream '{setup.StreamId}' is already open for this tenant; use another stream_id or wait for it to end");
            }
            int mine = streamsPerTenant.GetValueOrDefault(tenant);
            if (mine >= setup.Tenant.MaxStreams)
                throw ServiceErrors.ResourceExhausted($"tenant '{tenant}' already has {mine} open streams, its limit; end one first");
            if (streams.Count >= limits.MaxStreams)
                throw ServiceErrors.ResourceExhausted($"the server is at its limit of {limits.MaxStreams} open streams; try again later");
            var stream = new StreamEntry(setup, time.GetUtcNow());
            streams[(tenant, setup.StreamId)] = stream;
            streamsPerTenant[tenant] = mine + 1;
            metrics.ActiveStreams.WithLabels(tenant).Inc();
            return stream;
        }
    }

    /// <summary>Announces <paramref name="stream"/> with <paramref name="started"/> and returns the sink its caller reads.</summary>
    public EventSink Start(StreamEntry stream, EmotionEvent started)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var own = new EventSink(stream.Tenant, stream, null, untilStreamsEnd: false, limits.EventBuffer);
        lock (gate)
        {
            stream.Started = started;
            stream.Own = own;
            Deliver(stream, started);
        }
        return own;
    }

    /// <summary>Publishes one estimate event of <paramref name="stream"/>, remembering it for replay; ignored once the stream was closed.</summary>
    public void Publish(StreamEntry stream, EmotionEvent estimate, TimeSpan audioEnd)
    {
        ArgumentNullException.ThrowIfNull(stream);
        lock (gate)
        {
            // The summary is a stream's last event, even when an engine that missed its deadline publishes late.
            if (stream.Ended)
                return;
            stream.Remember(estimate, audioEnd, limits.MaxReplay);
            Deliver(stream, estimate);
        }
    }

    /// <summary>
    /// Ends <paramref name="stream"/>: publishes <paramref name="summary"/> (when the stream was started), closes the
    /// sinks that were waiting for it, and frees its slot. Idempotent.
    /// </summary>
    public void Close(StreamEntry stream, EmotionEvent? summary)
    {
        ArgumentNullException.ThrowIfNull(stream);
        lock (gate)
        {
            if (stream.Ended)
                return;
            stream.Ended = true;
            if (summary is not null && stream.Started is not null)
            {
                Deliver(stream, summary);
                if (subscribers.TryGetValue(stream.Tenant, out var list))
                {
                    foreach (var sink in list.ToArray())
                    {
                        if (sink.Matches(stream) && sink.StreamEnded(stream))
                        {
                            sink.Close();
                            RemoveSubscriber(sink);
                        }
                    }
                }
            }
            // A caller's own sink never outlives its stream.
            stream.Own?.Close();
            stream.Own = null;
            streams.Remove((stream.Tenant, stream.Id));
            streamsPerTenant[stream.Tenant]--;
            metrics.ActiveStreams.WithLabels(stream.Tenant).Dec();
            if (stopping && streams.Count == 0)
                streamsClosed.TrySetResult();
        }
    }

    /// <summary>A subscriber for <paramref name="tenant"/>'s streams (all, or <paramref name="ids"/>), with replay.</summary>
    /// <exception cref="Grpc.Core.RpcException">RESOURCE_EXHAUSTED at the tenant's subscriber limit; UNAVAILABLE when stopping.</exception>
    public EventSink Subscribe(string tenant, IReadOnlyCollection<string> ids, TimeSpan replay, bool untilStreamsEnd)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var sink = new EventSink(tenant, null, ids, untilStreamsEnd, limits.EventBuffer);
        lock (gate)
        {
            if (stopping)
                throw ServiceErrors.Unavailable("the server is shutting down; retry against another instance");
            int mine = subscribeCalls.GetValueOrDefault(tenant);
            if (mine >= limits.MaxSubscribersPerTenant)
                throw ServiceErrors.ResourceExhausted($"tenant '{tenant}' already has {mine} open Subscribe calls, its limit; end one first");
            foreach (var stream in streams.Values.Where(s => s.Started is not null && !s.Ended && sink.Matches(s)).OrderBy(s => s.StartTime))
            {
                if (!sink.Offer(stream.Started!))
                    break;
                if (replay > TimeSpan.Zero)
                {
                    foreach (var item in stream.RecentSince(stream.LatestAudioEnd - replay))
                        sink.Offer(item);
                }
            }
            if (sink.Closed)
                return sink;   // the replay alone overflowed it: the caller gets RESOURCE_EXHAUSTED
            if (!subscribers.TryGetValue(tenant, out var list))
                subscribers[tenant] = list = [];
            list.Add(sink);
            subscribeCalls[tenant] = mine + 1;
            sink.Counted = true;
            metrics.ActiveSubscribers.WithLabels(tenant).Inc();
        }
        return sink;
    }

    /// <summary>Detaches a subscriber (its call ended). Idempotent.</summary>
    public void Unsubscribe(EventSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        lock (gate)
        {
            sink.Close();
            RemoveSubscriber(sink);
            if (sink.Counted)
            {
                sink.Counted = false;
                subscribeCalls[sink.Tenant]--;
                metrics.ActiveSubscribers.WithLabels(sink.Tenant).Dec();
            }
        }
    }

    /// <summary>The open streams of <paramref name="tenant"/>, oldest first.</summary>
    public IReadOnlyList<StreamEntry> List(string tenant)
    {
        lock (gate)
            return streams.Values.Where(s => s.Tenant == tenant && s.Started is not null).OrderBy(s => s.StartTime).ToArray();
    }

    /// <summary>Stops admitting streams and subscribers; <see cref="StreamsClosed"/> completes when the open streams have ended.</summary>
    public void BeginShutdown()
    {
        lock (gate)
        {
            stopping = true;
            if (streams.Count == 0)
                streamsClosed.TrySetResult();
        }
    }

    /// <summary>Ends every subscriber after the events it has queued, with UNAVAILABLE (saying whether every stream had ended).</summary>
    public void EndSubscribers()
    {
        lock (gate)
        {
            string detail = streams.Count == 0
                ? "the server is shutting down; every stream's final events were sent"
                : $"the server is shutting down; {streams.Count} streams had not ended within the drain time, and their final events may be missing";
            foreach (var sink in subscribers.Values.SelectMany(list => list).ToArray())
            {
                sink.Close(ServiceErrors.Unavailable(detail));
                RemoveSubscriber(sink);
            }
        }
    }

    // Under the lock.
    private void Deliver(StreamEntry stream, EmotionEvent item)
    {
        if (stream.Own is { } own && !own.Offer(item))
        {
            metrics.SubscriberOverflows.WithLabels(stream.Tenant).Inc();
            stream.Own = null;
        }
        if (!subscribers.TryGetValue(stream.Tenant, out var list))
            return;
        for (int i = list.Count - 1; i >= 0; i--)
        {
            var sink = list[i];
            if (!sink.Matches(stream) || sink.Offer(item))
                continue;
            metrics.SubscriberOverflows.WithLabels(sink.Tenant).Inc();
            RemoveSubscriber(sink);
        }
    }

    // Under the lock; idempotent. Stops delivering to the sink; its call keeps its place until Unsubscribe.
    private void RemoveSubscriber(EventSink sink)
    {
        if (sink.Own is null && subscribers.TryGetValue(sink.Tenant, out var list))
            list.Remove(sink);
    }
}
