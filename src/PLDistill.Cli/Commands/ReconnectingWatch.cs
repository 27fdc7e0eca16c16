using Grpc.Core;
using PLDistill.Api.V1;
using PLDistill.Client;

namespace PLDistill.Cli.Commands;

/// <summary>
/// The loop behind <c>pld client watch</c>: subscribe, print the events, and when the server goes away (UNAVAILABLE: it
/// restarts, its host is unreachable, the connection drops) subscribe again after a pause that doubles from half a
/// second up to ten, so that a monitor outlives a server restart. Every loss and reconnection is one line on stderr;
/// events published while disconnected are not replayed. Refusals (bad key, bad request, a limit) end the watch.
/// </summary>
internal sealed class ReconnectingWatch(EmotionClient client, SubscribeRequest request, RemoteEventPrinter printer, bool reconnect)
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromSeconds(0.5);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Watches until the subscription ends by itself (<c>--until-end</c>), <paramref name="interrupt"/> fires (Ctrl+C) or
    /// <paramref name="duration"/> has passed; throws the status that ended it otherwise, or, when the time is up while
    /// disconnected, the loss that disconnected it.
    /// </summary>
    public async Task RunAsync(TimeSpan? duration, CancellationToken interrupt)
    {
        using var timeLimit = CancellationTokenSource.CreateLinkedTokenSource(interrupt);
        if (duration is { } limit)
            timeLimit.CancelAfter(limit);
        var stop = timeLimit.Token;
        var pause = FirstPause;
        bool connectedBefore = false;
        RpcException? disconnected = null;
        while (true)
        {
            try
            {
                using var subscription = await client.SubscribeAsync(request, stop).ConfigureAwait(false);
                Console.Error.WriteLine(connectedBefore ? "reconnected; watching again"
                    : request.StreamIds.Count == 0 ? "watching every stream of the tenant (Ctrl+C ends)" : $"watching {string.Join(", ", request.StreamIds)}");
                (connectedBefore, disconnected, pause) = (true, null, FirstPause);
                request.Replay = null;   // a replay after a reconnection would print events already shown
                await WarnOfNamedStreamsNotOpenAsync(stop).ConfigureAwait(false);
                await foreach (var item in subscription.ReadEventsAsync(stop).ConfigureAwait(false))
                    printer.Print(item);
                return;
            }
            catch (Exception stopped) when (stop.IsCancellationRequested && stopped is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                if (disconnected is not null && !interrupt.IsCancellationRequested)
                    throw disconnected;   // --duration ran out while the server was away: say so, with a lost server's exit code
                return;
            }
            catch (RpcException lost) when (reconnect && lost.StatusCode == StatusCode.Unavailable)
            {
                bool wasWatching = connectedBefore && disconnected is null;
                disconnected = lost;
                Console.Error.WriteLine($"{(wasWatching ? "connection lost" : "cannot subscribe")}: {lost.Status.Detail}; " +
                                        $"trying again in {pause.TotalSeconds:0.#} s (events published meanwhile are not shown)");
                try
                {
                    await Task.Delay(pause, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    if (interrupt.IsCancellationRequested)
                        return;   // Ctrl+C
                    throw lost;   // --duration ran out while the server was away
                }
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
            }
        }
    }

    // Named streams that are not open are followed if they start, so a mistyped or finished id would keep
    // --until-end waiting without a word.
    private async Task WarnOfNamedStreamsNotOpenAsync(CancellationToken stop)
    {
        if (!request.UntilStreamsEnd || request.StreamIds.Count == 0)
            return;
        var open = await client.ListStreamsAsync(stop).ConfigureAwait(false);
        var waiting = request.StreamIds.Where(id => !open.Any(s => s.StreamId == id || s.Name == id)).ToArray();
        if (waiting.Length > 0)
            Console.Error.WriteLine($"not open now: {string.Join(", ", waiting)}; followed if they start, so --until-end waits for them (Ctrl+C ends the watch)");
    }
}
