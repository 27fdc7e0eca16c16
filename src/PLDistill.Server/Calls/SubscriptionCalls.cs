using System.Globalization;
using System.Threading.Channels;
using Grpc.Core;
using PLDistill.Api.V1;
using PLDistill.Server.Configuration;
using PLDistill.Server.Errors;
using PLDistill.Server.Hub;
using PLDistill.Server.Security;

namespace PLDistill.Server.Calls;

/// <summary>Runs Subscribe calls: validate the request, attach a sink to the hub (with replay), stream its events until it ends.</summary>
public sealed class SubscriptionCalls(StreamHub hub, ServerOptions options)
{
    private const int MaxIds = 1000;

    /// <summary>One Subscribe call, start to end.</summary>
    public async Task RunAsync(SubscribeRequest request, IServerStreamWriter<EmotionEvent> responses, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentNullException.ThrowIfNull(context);
        var tenant = CallTenant.Get(context);
        if (request.StreamIds.Count > MaxIds)
            throw ServiceErrors.InvalidArgument($"stream_ids lists {request.StreamIds.Count} streams; at most {MaxIds}");
        var ids = request.StreamIds.Select((id, i) => StreamNames.Resolve(id, tenant, $"stream_ids[{i}]")).Distinct().ToArray();
        if (request.UntilStreamsEnd && ids.Length == 0)
            throw ServiceErrors.InvalidArgument("until_streams_end needs stream_ids: following every stream of a tenant never ends");
        var replay = TimeSpan.Zero;
        if (request.Replay is { } asked)
        {
            if (asked.Seconds < 0 || asked.Nanos < 0 || asked.Nanos >= Google.Protobuf.WellKnownTypes.Duration.NanosecondsPerSecond)
                throw ServiceErrors.InvalidArgument("replay must be a non-negative duration");
            // Compared in seconds first: a duration past TimeSpan's range (about 29,000 years) cannot be converted.
            if (asked.Seconds + asked.Nanos / 1e9 > options.Limits.MaxReplaySeconds)
                throw ServiceErrors.InvalidArgument(
                    $"replay {(asked.Seconds + asked.Nanos / 1e9).ToString("0.###", CultureInfo.InvariantCulture)} s: this server keeps at most " +
                    $"{options.Limits.MaxReplaySeconds.ToString("0.###", CultureInfo.InvariantCulture)} s of each stream's estimates");
            replay = asked.ToTimeSpan();
        }

        using var sink = hub.Subscribe(tenant.Name, ids, replay, request.UntilStreamsEnd);
        // A subscriber that fell behind gets the drain time to read what was queued for it; then its call ends, so that a
        // client that stopped reading does not hold its place (and a response stream) for ever.
        using var writes = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        using var fellBehind = sink.Overflowed.Register(() => writes.CancelAfter(options.Limits.ShutdownDrain));
        try
        {
            // Headers tell the client the subscription is attached: every event published from now on reaches it.
            await context.WriteResponseHeadersAsync(new Metadata { { Client.EmotionClient.SubscribedHeader, "true" } }).ConfigureAwait(false);
            await sink.WriteToAsync(responses, writes.Token).ConfigureAwait(false);
        }
        catch (ChannelClosedException closed) when (closed.InnerException is RpcException status)
        {
            throw status;
        }
        catch (OperationCanceledException) when (sink.Overflowed.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw ServiceErrors.ResourceExhausted(
                $"events were not read fast enough: {sink.Capacity} were waiting, and the queued ones were not read within the drain time; the subscription was ended");
        }
        finally
        {
            hub.Unsubscribe(sink);
        }
    }
}
