using System.Collections.Concurrent;
using System.Reactive;
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
}
