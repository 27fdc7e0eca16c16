using PLDistill.Client;

namespace PLDistill.Server.Tests.TestSupport;

/// <summary>An attached Subscribe call whose events are read in the background (see <see cref="ServerHarness.WatchAsync"/>).</summary>
internal sealed class LiveWatch(EventSubscription subscription, Task<RecognizeResult> result) : IDisposable
{
    public EventSubscription Subscription { get; } = subscription;

    /// <summary>Every event and the final status, once the call has ended.</summary>
    public Task<RecognizeResult> Result { get; } = result;

    public void Dispose() => Subscription.Dispose();
}
