using System.Threading.Channels;

namespace PLDistill.Streaming.Observables;

/// <summary>
/// An observable the engine publishes to without ever waiting: each subscriber has its own bounded queue and its own
/// delivery task, so a slow subscriber loses its own oldest items (counted) and stalls neither the engine nor anyone else.
/// Rx contract: OnNext calls are serialised per subscriber, then exactly one OnCompleted or OnError.
/// </summary>
public sealed class NonBlockingBroadcast<T> : IObservable<T>
{
    private readonly int capacity;
    private readonly Lock gate = new();
    private readonly List<Channel<T>> subscribers = [];
    private Exception? error;
    private bool completed;

    /// <summary>A broadcast whose subscribers each buffer up to <paramref name="capacity"/> items.</summary>
    public NonBlockingBroadcast(int capacity) => this.capacity = capacity;

    /// <summary>Items dropped because some subscriber fell behind, over all subscribers.</summary>
    public long Dropped => Interlocked.Read(ref dropped);
    private long dropped;

    /// <inheritdoc />
    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var queue = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
        }, _ => Interlocked.Increment(ref dropped));
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

    private static async Task DeliverAsync(Channel<T> queue, IObserver<T> observer, CancellationToken cancellation)
    {
        try
        {
            await foreach (var item in queue.Reader.ReadAllAsync(cancellation).ConfigureAwait(false))
            {
                // ReadAllAsync checks the token only when the queue runs empty: without this, a disposed subscription
                // would still receive every item already queued for it.
                if (cancellation.IsCancellationRequested)
                    return;
                observer.OnNext(item);
            }
            observer.OnCompleted();
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Unsubscribed: Rx says nothing more is delivered.
        }
        catch (ChannelClosedException closed) when (closed.InnerException is not null)
        {
            observer.OnError(closed.InnerException);
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            observer.OnError(failure);
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
