using Google.Protobuf;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PLDistill.Api.V1;
using PLDistill.Server.Configuration;
using PLDistill.Server.Engines;
using PLDistill.Server.Errors;
using PLDistill.Server.Hub;
using PLDistill.Server.Observability;
using PLDistill.Server.Security;
using PLDistill.Streaming.Engine;

namespace PLDistill.Server.Calls;

/// <summary>
/// Runs Recognize calls: the config, then audio into an engine stream while its estimates flow back through the hub,
/// then the final estimates and the summary, then the status that says why the stream ended.
/// <code>
///  request stream ─► config ─► validate ─► hub.Reserve ─► engine lease ─► OpenStream ─► hub.Start ("started")
///                 ─► audio ─► decode/resample ─► StreamHandle.WriteAsync        (idle, duration, shutdown, cancel end it)
///  engine estimates ─► EstimateRelay ─► hub.Publish ─► caller's sink + subscribers' sinks ─► response streams
///  end: CompleteAsync ─► last estimate ─► hub.Close (summary) ─► caller's sink drained ─► status
/// </code>
/// </summary>
public sealed partial class RecognitionCalls : IDisposable
{
    private readonly StreamHub hub;
    private readonly EnginePool engines;
    private readonly StreamConfigValidator validator;
    private readonly LimitSettings limits;
    private readonly ServerMetrics metrics;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly int modelSampleRate;
    private readonly CancellationToken serverStopping;
    private readonly CancellationTokenSource drainOver = new();

    /// <summary>Calls over the server's hub and engines.</summary>
    public RecognitionCalls(StreamHub hub, EnginePool engines, StreamConfigValidator validator, IRecognizerFactory model, ServerOptions options,
                            ServerMetrics metrics, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<RecognitionCalls> logger)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(lifetime);
        this.hub = hub;
        this.engines = engines;
        this.validator = validator;
        this.metrics = metrics;
        this.time = time;
        this.logger = logger;
        limits = options.Limits;
        modelSampleRate = model.SampleRate;
        serverStopping = lifetime.ApplicationStopping;
        // At shutdown a stream's backlog gets the drain time, then the stream ends with what was estimated, so that its
        // summary reaches the subscribers before they are ended.
        serverStopping.Register(() => drainOver.CancelAfter(limits.ShutdownDrain));
    }

    /// <inheritdoc />
    public void Dispose() => drainOver.Dispose();

    /// <summary>One Recognize call, start to end.</summary>
    public async Task RunAsync(IAsyncStreamReader<AudioRequest> requests, IServerStreamWriter<EmotionEvent> responses, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentNullException.ThrowIfNull(context);
        var tenant = CallTenant.Get(context);
        var config = await ReadConfigAsync(requests, context.CancellationToken).ConfigureAwait(false);
        var setup = validator.Validate(config, tenant);
        var stream = hub.Reserve(setup);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["Tenant"] = tenant.Name, ["StreamId"] = setup.StreamId });
        EngineLease? lease = null;
        IDisposable? subscription = null;
        EstimateRelay? relay = null;
        EventSink? own = null;
        StreamHandle? handle = null;
        EmotionEvent? summary = null;
        CancellationTokenSource? abortWrites = null;
        Task? writer = null;
        try
        {
            lease = engines.Acquire(setup.Engine);
            handle = lease.Engine.OpenStream(StreamNames.EngineId(tenant.Name, setup.StreamId));
            relay = new EstimateRelay(hub, stream, metrics, time);
            subscription = handle.Estimates.Subscribe(relay);
            own = hub.Start(stream, EventMapper.Started(stream, modelSampleRate));
            LogStarted(logger, stream.Name, setup.Format, setup.Engine);

            abortWrites = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
            writer = own.WriteToAsync(responses, abortWrites.Token);
            var decoder = new AudioChunkDecoder(setup.Format, modelSampleRate);
            var end = await PumpAudioAsync(requests, handle, stream, decoder, own, relay, context.CancellationToken).ConfigureAwait(false);
            stream.Finishing = true;

            // The engine ends a failed stream before the relay hears of it, so the handle is asked too.
            if (end.Reason != EndReason.Failed && !relay.Failed.IsCancellationRequested && !handle.Completion.IsCompleted)
            {
                // The audio received so far is still estimated, whatever ended the stream.
                try
                {
                    await handle.WriteAsync(decoder.Flush(), CancellationToken.None).ConfigureAwait(false);
                    await handle.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (StreamingEngineException ended) when (handle.IsEndedByEngine(ended))
                {
                    // The engine ended the stream meanwhile, or is draining it to stop; the relay's completion says why.
                }
            }
            end = await AwaitLastEstimateAsync(relay, handle, end, stream).ConfigureAwait(false);
            if (end.Reason == EndReason.Completed && own.Overflowed.IsCancellationRequested)
                end = CallerTooSlow(own);   // the estimates of the audio's tail overflowed a caller that stopped reading
            var statistics = handle.Statistics;
            relay.CountFinalDrops(statistics.DroppedHops);
            summary = EventMapper.Summary(stream, Summarize(end, statistics, relay, stream));
            hub.Close(stream, summary);
            metrics.StreamsEnded.WithLabels(tenant.Name, end.Reason.ToString()).Inc();
            LogEnded(logger, stream.Name, end.Reason, stream.Estimates, stream.AudioReceived.TotalSeconds, end.Detail ?? "");

            // The caller's sink ends after the summary; give a slow but live caller the drain time to read it.
            bool delivered = await Completes(writer, limits.ShutdownDrain + TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            if (!delivered)
                await abortWrites.CancelAsync().ConfigureAwait(false);
            await ObserveAsync(writer).ConfigureAwait(false);
            if (end.Status is { } status)
                throw status;
            // Never OK after lost events: the summary itself may have overflowed the caller's queue, or not been read.
            if (own.Overflowed.IsCancellationRequested || !delivered)
                throw CallerTooSlow(own).Status!;
        }
        finally
        {
            if (summary is null)
            {
                // Something unexpected ended the call (the interceptor reports it): free the engine slot, and tell the
                // subscribers the stream is over.
                handle?.Fail(new StreamingEngineException(StreamingErrorKind.InferenceFailed, handle.Id, "the call failed"));
                hub.Close(stream, own is null ? null
                    : EventMapper.Summary(stream, new StreamSummary
                    {
                        EndReason = EndReason.Failed,
                        Detail = "the stream failed on the server",
                        Estimates = stream.Estimates,
                        AudioReceived = Duration.FromTimeSpan(stream.AudioReceived),
                        WallTime = Duration.FromTimeSpan(time.GetUtcNow() - stream.StartTime),
                    }));
                metrics.StreamsEnded.WithLabels(tenant.Name, EndReason.Failed.ToString()).Inc();
            }
            if (writer is { IsCompleted: false })
            {
                // The call is ending with an error: stop writing to its response stream before the handler returns.
                await abortWrites!.CancelAsync().ConfigureAwait(false);
                await Task.WhenAny(writer).ConfigureAwait(false);   // never throws: the call ends with its own error
                _ = writer.Exception;                               // observed
            }
            abortWrites?.Dispose();
            subscription?.Dispose();
            lease?.Dispose();
            relay?.Dispose();
            own?.Dispose();
        }
    }

    private async Task<StreamConfig> ReadConfigAsync(IAsyncStreamReader<AudioRequest> requests, CancellationToken cancellation)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellation, serverStopping);
        wait.CancelAfter(limits.IdleTimeout);
        bool any;
        try
        {
            any = await requests.MoveNext(wait.Token).ConfigureAwait(false);
        }
        catch (InvalidProtocolBufferException unreadable)
        {
            throw ServiceErrors.InvalidArgument($"request message 1 could not be read as an AudioRequest: {unreadable.Message}");
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw serverStopping.IsCancellationRequested
                ? ServiceErrors.Unavailable("the server is shutting down and accepts no new streams")
                : ServiceErrors.DeadlineExceeded($"no config arrived within the idle timeout of {Seconds(limits.IdleTimeout)} s");
        }
        if (!any)
            throw ServiceErrors.InvalidArgument("the request stream ended before its first message; the first message must carry 'config'");
        var first = requests.Current;
        return first.RequestCase switch
        {
            AudioRequest.RequestOneofCase.Config => first.Config,
            AudioRequest.RequestOneofCase.Audio => throw ServiceErrors.InvalidArgument(
                "request message 1 carries audio, but the first message must carry 'config' (encoding, sample rate, channels, stream id)"),
            _ => throw ServiceErrors.InvalidArgument("request message 1 is empty; the first message must carry 'config'"),
        };
    }

    private async Task<StreamEnd> PumpAudioAsync(IAsyncStreamReader<AudioRequest> requests, StreamHandle handle, StreamEntry stream,
        AudioChunkDecoder decoder, EventSink own, EstimateRelay relay, CancellationToken callCancelled)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(callCancelled, serverStopping, own.Overflowed, relay.Failed);
        using var writes = CancellationTokenSource.CreateLinkedTokenSource(callCancelled, own.Overflowed, relay.Failed);
        using var deadline = new ReadDeadline(stop.Token);
        var audioSeconds = metrics.AudioSeconds.WithLabels(stream.Tenant);
        int sampleRate = stream.Setup.Format.SampleRate;
        double maxFrames = limits.MaxStreamDurationSeconds * sampleRate;
        long started = time.GetTimestamp(), lastAudio = started;
        long message = 1;
        while (true)
        {
            var idleLeft = limits.IdleTimeout - time.GetElapsedTime(lastAudio);
            var durationLeft = limits.MaxStreamDuration - time.GetElapsedTime(started);
            if (idleLeft <= TimeSpan.Zero || durationLeft <= TimeSpan.Zero)
                return Classify(durationLeft, own, relay, callCancelled);
            bool durationFirst = durationLeft <= idleLeft;
            bool more;
            try
            {
                more = await requests.MoveNext(deadline.Arm(durationFirst ? durationLeft : idleLeft)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Timers fire a few ms early by the precise clock: the limit the deadline was armed for is the one that
                // was reached (a live caller's duration limit used to be reported as an idle timeout about half the time).
                return Classify(durationFirst ? TimeSpan.Zero : limits.MaxStreamDuration - time.GetElapsedTime(started), own, relay, callCancelled);
            }
            catch (RpcException refused)
            {
                // The transport refused a message (too large) or the client reset the stream.
                return callCancelled.IsCancellationRequested ? Cancelled()
                    : new StreamEnd(EndReason.InvalidRequest, refused.Status.Detail, refused);
            }
            catch (InvalidProtocolBufferException unreadable)
            {
                // A client's serializer bug, not a hang-up: say which message, as for any other bad request.
                return Invalid($"request message {message + 1} could not be read as an AudioRequest: {unreadable.Message}");
            }
            catch (IOException)
            {
                return Cancelled();
            }
            finally
            {
                deadline.Disarm();
            }
            if (!more)
                return new StreamEnd(EndReason.Completed, null, null);
            message++;
            var request = requests.Current;
            if (request.RequestCase == AudioRequest.RequestOneofCase.Config)
                return Invalid($"request message {message} carries a second config; send 'config' once, as the first message, and only audio after it");
            if (request.RequestCase != AudioRequest.RequestOneofCase.Audio)
                return Invalid($"request message {message} carries neither config nor audio");
            if (request.Audio.IsEmpty)
                continue;   // not audio: the idle timer keeps running
            ReadOnlyMemory<float> mono;
            try
            {
                mono = decoder.Decode(request.Audio.Span, message);
            }
            catch (RpcException bad)
            {
                return new StreamEnd(EndReason.InvalidRequest, bad.Status.Detail, bad);
            }
            lastAudio = time.GetTimestamp();
            int frames = request.Audio.Length / decoder.FrameBytes;
            long received = stream.AddAudio(frames);
            audioSeconds.Inc((double)frames / sampleRate);
            try
            {
                // Waiting here for room in the engine's queue is backpressure, not idling: no timer runs.
                await handle.WriteAsync(mono, writes.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return Classify(TimeSpan.MaxValue, own, relay, callCancelled);
            }
            catch (StreamingEngineException ended) when (handle.IsEndedByEngine(ended))
            {
                // The engine ended the stream (a model failure, or the engine stopping) before the relay heard of it:
                // the relay's completion says which, when the call awaits the last estimate.
                return new StreamEnd(EndReason.Failed, null, null);
            }
            if (received >= maxFrames)
                return MaxDuration();
        }
    }

    // Why reading stopped: a signal (the client left, the engine failed, the caller fell behind, the server is stopping),
    // else the duration limit, else the idle timer.
    private StreamEnd Classify(TimeSpan durationLeft, EventSink own, EstimateRelay relay, CancellationToken callCancelled)
    {
        if (callCancelled.IsCancellationRequested)
            return Cancelled();
        if (relay.Failed.IsCancellationRequested)
            return new StreamEnd(EndReason.Failed, null, null);
        if (own.Overflowed.IsCancellationRequested)
            return CallerTooSlow(own);
        if (serverStopping.IsCancellationRequested)
            return new StreamEnd(EndReason.ServerShutdown, "the server is shutting down",
                ServiceErrors.Unavailable("the server is shutting down; the audio received so far was processed and its final events sent"));
        if (durationLeft <= TimeSpan.Zero)
            return MaxDuration();
        string idle = $"no audio for {Seconds(limits.IdleTimeout)} s (the server's idle timeout)";
        return new StreamEnd(EndReason.IdleTimeout, idle,
            ServiceErrors.DeadlineExceeded($"{idle}; the stream was ended after its final events"));
    }

    private static StreamEnd CallerTooSlow(EventSink own) => new(EndReason.CallerTooSlow,
        $"the caller did not read its events: {own.Capacity} were waiting to be sent",
        ServiceErrors.ResourceExhausted($"the response stream was not read fast enough ({own.Capacity} events were waiting); the stream was ended"));

    private StreamEnd MaxDuration()
    {
        string detail = $"the stream reached the server's maximum duration of {Seconds(limits.MaxStreamDuration)} s";
        return new StreamEnd(EndReason.MaxDuration, detail, ServiceErrors.ResourceExhausted($"{detail}; start a new stream to continue"));
    }

    private static StreamEnd Cancelled() =>
        new(EndReason.Cancelled, "the client cancelled the call", ServiceErrors.Cancelled("the call was cancelled"));

    private static StreamEnd Invalid(string detail) => new(EndReason.InvalidRequest, detail, ServiceErrors.InvalidArgument(detail));

    private async Task<StreamEnd> AwaitLastEstimateAsync(EstimateRelay relay, StreamHandle handle, StreamEnd end, StreamEntry stream)
    {
        try
        {
            await WhileProcessingAdvancesAsync(relay.Completion, handle).ConfigureAwait(false);
            return end;
        }
        catch (StreamingEngineException stopped) when (stopped.Kind == StreamingErrorKind.EngineStopped)
        {
            return new StreamEnd(EndReason.ServerShutdown, "the server shut down before the stream's audio was processed",
                ServiceErrors.Unavailable("the server shut down before the stream's audio was processed"));
        }
        catch (Exception failure) when (failure is StreamingEngineException or TimeoutException)
        {
            string incident = Incident.NewId();
            LogStreamFailed(logger, failure, stream.Name, incident);
            return new StreamEnd(EndReason.Failed, $"the server failed to process this stream (incident {incident})",
                ServiceErrors.Internal($"internal error: the server failed to process this stream (incident {incident})"));
        }
    }

    // A backlog of queued hops may take long to estimate under load; the model is deemed hung only when it processes
    // none of this stream's hops for the drain time plus the stall timeout (TimeoutException). At shutdown the backlog
    // gets the drain time (EngineStopped after it).
    private async Task WhileProcessingAdvancesAsync(Task completion, StreamHandle handle)
    {
        var patience = limits.ShutdownDrain + limits.StallTimeout;
        long processed = handle.Statistics.HopsProcessed;
        while (true)
        {
            try
            {
                await completion.WaitAsync(patience, drainOver.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (drainOver.IsCancellationRequested)
            {
                throw new StreamingEngineException(StreamingErrorKind.EngineStopped, handle.Id, "the drain time ran out");
            }
            catch (TimeoutException)
            {
                long now = handle.Statistics.HopsProcessed;
                if (now == processed)
                    throw;
                processed = now;
            }
        }
    }

    private StreamSummary Summarize(StreamEnd end, StreamStatistics statistics, EstimateRelay relay, StreamEntry stream)
    {
        var mean = relay.MeanProbabilities;
        var summary = new StreamSummary
        {
            EndReason = end.Reason,
            Detail = end.Detail ?? "",
            Estimates = stream.Estimates,
            HopsProcessed = statistics.HopsProcessed,
            DroppedHops = statistics.DroppedHops,
            CoalescedHops = statistics.CoalescedHops,
            AudioReceived = Duration.FromTimeSpan(stream.AudioReceived),
            WallTime = Duration.FromTimeSpan(time.GetUtcNow() - stream.StartTime),
            DominantLabel = mean.Length == 0 ? "" : stream.Setup.Engine.Labels.Words[Array.IndexOf(mean, mean.Max())],
        };
        summary.MeanProbabilities.AddRange(mean);
        return summary;
    }

    private static async Task<bool> Completes(Task task, TimeSpan within)
    {
        try
        {
            await task.WaitAsync(within).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            // Observed below.
        }
        return true;
    }

    // The caller's response stream ends by itself after the summary; its failure (the caller left, or fell behind) is
    // already reflected in the stream's end reason.
    private static async Task ObserveAsync(Task writer)
    {
        try
        {
            await writer.ConfigureAwait(false);
        }
        catch (Exception failure) when (failure is OperationCanceledException or IOException or RpcException or InvalidOperationException)
        {
        }
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Why a stream ended, for the summary, and the status the call ends with (null = OK).</summary>
    private sealed record StreamEnd(EndReason Reason, string? Detail, RpcException? Status);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "stream {Stream} started: {Format}; {Configuration}")]
    private static partial void LogStarted(ILogger logger, string stream, PLDistill.Audio.Formats.PcmFormat format, EngineKey configuration);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "stream {Stream} ended ({Reason}): {Estimates} estimates over {AudioSeconds:0.###} s of audio {Detail}")]
    private static partial void LogEnded(ILogger logger, string stream, EndReason reason, long estimates, double audioSeconds, string detail);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "stream {Stream} failed (incident {Incident})")]
    private static partial void LogStreamFailed(ILogger logger, Exception exception, string stream, string incident);
}
