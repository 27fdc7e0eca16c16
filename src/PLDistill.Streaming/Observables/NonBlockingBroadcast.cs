using System.Diagnostics;
using System.Threading.Channels;

namespace PLDistill.Streaming.Observables;

/// <summary>
/// An observable the engine publishes to without ever waiting: each subscriber has its own bounded queue and its own
/// delivery task, so a slow subscriber loses its own oldest items (counted) and stalls neither the engine nor anyone else.
/// Rx contract: OnNext calls are serialised per subscriber, then exactly one OnCompleted or OnError. A subscriber whose
/// OnNext throws is dropped: it receives nothing more (not its own exception as OnError), the failure is counted in
/// <see cref="FailedSubscribers"/> and written to <see cref="Trace"/>, and nobody else is affected.
/// </summary>
public sealed class NonBlockingBroadcast<T> : IObservable<T>
{
    private readonly int capacity;
    private readonly Lock gate = new();
    private readonly List<Channel<T>> subscribers = [];
    private Exception? error;
    private bool completed;

    private readonly Action? onDropped;

    /// <summary>
    /// A broadcast whose subscribers each buffer up to <paramref name="capacity"/> items; <paramref name="onDropped"/>, if
    /// given, hears of each item dropped (so an owner can keep a running total that outlives this broadcast).
    /// </summary>
    public NonBlockingBroadcast(int capacity, Action? onDropped = null)
    {
        this.capacity = capacity;
        this.onDropped = onDropped;
    }

    /// <summary>Items dropped because some subscriber fell behind, over all subscribers.</summary>
    public long Dropped => Interlocked.Read(ref dropped);
    private long dropped;

    /// <summary>Subscribers dropped because their OnNext threw (each gets nothing more, not even OnError).</summary>
    public long FailedSubscribers => Interlocked.Read(ref failedSubscribers);
    private long failedSubscribers;

    /// <inheritdoc />
    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var queue = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
        }, _ =>
        {
            Interlocked.Increment(ref dropped);
            onDropped?.Invoke();
        });
        lock (gate)
        {
            if (completed)
            {
                if (error is null) observer.OnCompleted(); else observer.OnError(error);
                return EmptyDisposable.Instance;
            }
            subscribers.Add(queue);
        }
        var stop = new CancellationTokenSource();
        _ = Task.Run(() => DeliverAsync(queue, observer, stop.Token));
        return new Subscription(() =>
        {
            stop.Cancel();
            lock (gate)
                subscribers.Remove(queue);
        });
    }

    /// <summary>Queues <paramref name="item"/> for every subscriber; never blocks.</summary>
    public void Publish(T item)
    {
        lock (gate)
        {
            foreach (var queue in subscribers)
                queue.Writer.TryWrite(item);
        }
    }

    /// <summary>Ends the sequence: subscribers get what is queued, then OnCompleted (or OnError with <paramref name="failure"/>).</summary>
    public void Complete(Exception? failure = null)
    {
        lock (gate)
        {
            if (completed)
                return;
            completed = true;
            error = failure;
            foreach (var queue in subscribers)
                queue.Writer.TryComplete(failure);
        }
    }

    private async Task DeliverAsync(Channel<T> queue, IObserver<T> observer, CancellationToken cancellation)
    {
        Exception? failure;
        try
        {
            await foreach (var item in queue.Reader.ReadAllAsync(cancellation).ConfigureAwait(false))
            {
                // ReadAllAsync checks the token only when the queue runs empty: without this, a disposed subscription
                // would still receive every item already queued for it.
                if (cancellation.IsCancellationRequested)
                    return;
                if (!TryDeliver(queue, observer, item))
                    return;
            }
            failure = null;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return;   // unsubscribed: Rx says nothing more is delivered
        }
        catch (ChannelClosedException closed) when (closed.InnerException is not null)
        {
            failure = closed.InnerException;
        }
        catch (Exception completedWith)
        {
            failure = completedWith;   // the queue's completion error, which WaitToReadAsync rethrows as it is
        }
        try
        {
            if (failure is null) observer.OnCompleted(); else observer.OnError(failure);
        }
        catch (Exception thrown)
        {
            Trace.TraceError($"NonBlockingBroadcast<{typeof(T).Name}>: a subscriber's {(failure is null ? "OnCompleted" : "OnError")} threw: {thrown}");
        }
    }

    // Rx never hands an observer's own exception back to it: a subscriber whose OnNext throws is dropped (its queue
    // unregistered, so later items are not counted as its drops) and receives nothing more; the others never notice.
    private bool TryDeliver(Channel<T> queue, IObserver<T> observer, T item)
    {
        try
        {
            observer.OnNext(item);
            return true;
        }
        catch (Exception thrown)
        {
            lock (gate)
                subscribers.Remove(queue);
            Interlocked.Increment(ref failedSubscribers);
            Trace.TraceError($"NonBlockingBroadcast<{typeof(T).Name}>: a subscriber's OnNext threw; it receives nothing more: {thrown}");
            return false;
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? dispose = dispose;
        public void Dispose() => Interlocked.Exchange(ref dispose, null)?.Invoke();
    }

    private sealed class EmptyDisposable : IDisposable
    {
        public static readonly EmptyDisposable Instance = new();
        public void Dispose() { }
    }
}
