using Grpc.Core;
using PLDistill.Api.V1;

namespace PLDistill.Client;

/// <summary>
/// An attached Subscribe call: every event published after <see cref="EmotionClient.SubscribeAsync"/> returned is
/// delivered (the server sends its response headers only once the subscription is in place).
/// </summary>
public sealed class EventSubscription : IDisposable
{
    private readonly AsyncServerStreamingCall<EmotionEvent> call;

    internal EventSubscription(AsyncServerStreamingCall<EmotionEvent> call) => this.call = call;

    /// <summary>The events, in order per stream; then the call's status (an <see cref="RpcException"/> unless OK).</summary>
    public IAsyncEnumerable<EmotionEvent> ReadEventsAsync(CancellationToken cancellationToken = default) =>
        call.ResponseStream.ReadAllAsync(cancellationToken);

    /// <summary>The call's status once it has ended.</summary>
    public Status Status => call.GetStatus();

    /// <summary>Cancels the call if it is still running and frees it.</summary>
    public void Dispose() => call.Dispose();
}
