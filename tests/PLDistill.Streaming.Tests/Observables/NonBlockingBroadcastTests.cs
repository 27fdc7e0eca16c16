using System.Collections.Concurrent;
using System.Reactive;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using PLDistill.Streaming.Observables;

namespace PLDistill.Streaming.Tests.Observables;

public sealed class NonBlockingBroadcastTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Nothing_queued_is_delivered_after_the_subscription_is_disposed()
    {
        var broadcast = new NonBlockingBroadcast<int>(capacity: 8);
        using var handlingFirst = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var received = new ConcurrentQueue<int>();
        var subscription = broadcast.Subscribe(Observer.Create<int>(item =>
        {
            received.Enqueue(item);
            if (item == 0)
            {
                handlingFirst.Set();
                release.Wait(Patience);   // holds the delivery task while the rest is queued
            }
        }));

        broadcast.Publish(0);
        Assert.True(handlingFirst.Wait(Patience, TestContext.Current.CancellationToken));
        for (int i = 1; i <= 5; i++)
            broadcast.Publish(i);
        subscription.Dispose();
        release.Set();
        // Delivery would follow at once, on the task just released: give it ample time to (wrongly) happen.
        await Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);

        Assert.Equal([0], received);
    }

    public static TheoryData<string> SubscriberFailures => ["InvalidOperationException", "OperationCanceledException"];

    private static Exception Thrown(string kind) => kind switch
    {
        "InvalidOperationException" => new InvalidOperationException("the subscriber's own bug"),
        "OperationCanceledException" => new OperationCanceledException("the subscriber's own cancellation"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(SubscriberFailures))]
    public async Task A_subscriber_whose_OnNext_throws_gets_nothing_more_and_the_others_get_everything(string kind)
    {
        var broadcast = new NonBlockingBroadcast<int>(capacity: 16);
        int failingCalls = 0;
        Exception? failingError = null;
        bool failingCompleted = false;
        using var failing = broadcast.Subscribe(Observer.Create<int>(
            _ => { Interlocked.Increment(ref failingCalls); throw Thrown(kind); },
            e => failingError = e,
            () => failingCompleted = true));
        var healthy = broadcast.ToList().ToTask(TestContext.Current.CancellationToken);

        broadcast.Publish(0);
        SpinWait.SpinUntil(() => broadcast.FailedSubscribers == 1, Patience);
        for (int i = 1; i < 10; i++)
            broadcast.Publish(i);
        broadcast.Complete();

        Assert.Equal(Enumerable.Range(0, 10), await healthy.WaitAsync(Patience, TestContext.Current.CancellationToken));
        Assert.Equal(1, Volatile.Read(ref failingCalls));
        Assert.Null(Volatile.Read(ref failingError));
        Assert.False(Volatile.Read(ref failingCompleted));
        Assert.Equal(1, broadcast.FailedSubscribers);
    }

    [Theory]
    [MemberData(nameof(SubscriberFailures))]
    public void A_failed_subscriber_is_unregistered_so_later_items_are_not_counted_as_its_drops(string kind)
    {
        var broadcast = new NonBlockingBroadcast<int>(capacity: 2);
        using var failing = broadcast.Subscribe(Observer.Create<int>(_ => throw Thrown(kind)));

        broadcast.Publish(0);
        SpinWait.SpinUntil(() => broadcast.FailedSubscribers == 1, Patience);
        for (int i = 1; i <= 10; i++)
            broadcast.Publish(i);

        Assert.Equal(0, broadcast.Dropped);
        Assert.Equal(1, broadcast.FailedSubscribers);
    }

    [Fact]
    public void Each_subscriber_drop_reaches_the_owners_running_total()
    {
        long total = 0;
        var broadcast = new NonBlockingBroadcast<int>(1, () => Interlocked.Increment(ref total));
        using var gate = new ManualResetEventSlim();
        using var subscription = broadcast.Subscribe(_ => gate.Wait(TestContext.Current.CancellationToken));   // holds the first item
        for (int i = 0; i < 50; i++)
            broadcast.Publish(i);
        gate.Set();

        Assert.True(broadcast.Dropped > 0, "a 1-item buffer behind a held subscriber must overflow");
        Assert.Equal(broadcast.Dropped, Interlocked.Read(ref total));
    }
}
