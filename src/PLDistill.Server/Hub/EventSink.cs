using System.Threading.Channels;
using Grpc.Core;
using PLDistill.Api.V1;
using PLDistill.Server.Errors;

namespace PLDistill.Server.Hub;

/// <summary>
/// Where the hub delivers events for one call: a Recognize caller (its own stream) or a Subscribe call (a tenant's
/// streams, all or some). A bounded queue the call drains into its response stream; the hub never waits on it: a call
/// that lets it fill is ended with RESOURCE_EXHAUSTED after the events already queued, so nothing is ever silently lost.
/// </summary>
public sealed class EventSink : IDisposable
{
    private readonly Channel<EmotionEvent> queue;
    private readonly CancellationTokenSource overflowed = new();
    private readonly HashSet<string>? ids;
    private readonly HashSet<string>? waitingFor;

    internal EventSink(string tenant, StreamEntry? own, IReadOnlyCollection<string>? ids, bool untilStreamsEnd, int capacity)
    {
        Tenant = tenant;
        Own = own;
        if (ids is { Count: > 0 })
        {
            this.ids = new HashSet<string>(ids, StringComparer.Ordinal);
            if (untilStreamsEnd)
                waitingFor = new HashSet<string>(ids, StringComparer.Ordinal);
        }
        Capacity = capacity;
        queue = Channel.CreateBounded<EmotionEvent>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,   // the hub writes under its lock
            FullMode = BoundedChannelFullMode.Wait,   // never waited on: TryWrite failing is the overflow signal
        });
    }

    /// <summary>The tenant whose streams this sink may see.</summary>
    public string Tenant { get; }

    /// <summary>The Recognize stream this sink belongs to, or null for a subscriber.</summary>
    public StreamEntry? Own { get; }

    /// <summary>Events it may hold.</summary>
    public int Capacity { get; }

    /// <summary>The events, in order per stream; ends after the last one (or faults with the status that ended the sink).</summary>
    public ChannelReader<EmotionEvent> Reader => queue.Reader;

    /// <summary>
    /// Sends the events to <paramref name="responses"/> as they come, until the sink ends (or faults: the channel's
    /// <see cref="ChannelClosedException"/> carries the status that ended it).
    /// </summary>
    internal async Task WriteToAsync(IAsyncStreamWriter<EmotionEvent> responses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(responses);
        while (await queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (queue.Reader.TryRead(out var item))
                await responses.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Cancelled when the sink fell behind and was closed.</summary>
    public CancellationToken Overflowed => overflowed.Token;

    internal bool Closed { get; private set; }

    /// <summary>True while the hub counts this subscriber's call against its tenant's limit.</summary>
    internal bool Counted { get; set; }

    internal bool Matches(StreamEntry stream) =>
        Own is not null ? ReferenceEquals(Own, stream)
        : stream.Tenant == Tenant && (ids is null || ids.Contains(stream.Id));

    /// <summary>Queues <paramref name="item"/>; closes the sink if it is full. Returns false if the sink is (now) closed.</summary>
    internal bool Offer(EmotionEvent item)
    {
        if (Closed)
            return false;
        if (queue.Writer.TryWrite(item))
            return true;
        Close(ServiceErrors.ResourceExhausted(
            $"events were not read fast enough: {Capacity} were waiting to be sent; read the response stream continuously"));
        overflowed.Cancel();
        return false;
    }

    /// <summary>After a stream's summary: true when this sink has nothing more to wait for.</summary>
    internal bool StreamEnded(StreamEntry stream)
    {
        if (Own is not null)
            return ReferenceEquals(Own, stream);
        return waitingFor is not null && waitingFor.Remove(stream.Id) && waitingFor.Count == 0;
    }

    /// <summary>Frees the overflow signal; call after the hub let go of the sink (the call ended).</summary>
    public void Dispose() => overflowed.Dispose();

    /// <summary>Ends the events: the reader gets what is queued, then the end (or <paramref name="status"/>).</summary>
    internal void Close(Exception? status = null)
    {
        if (Closed)
            return;
        Closed = true;
        queue.Writer.TryComplete(status);
    }
}
