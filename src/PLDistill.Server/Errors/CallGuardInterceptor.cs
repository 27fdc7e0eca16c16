using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using PLDistill.Server.Observability;
using PLDistill.Streaming.Engine;

namespace PLDistill.Server.Errors;

/// <summary>
/// The outermost layer of every call of the emotion service: maps whatever a handler throws to a status a client can act
/// on (never a stack trace or a server internal: unexpected failures become INTERNAL with an incident id that the log
/// carries), and counts each call by method and status code.
/// </summary>
public sealed partial class CallGuardInterceptor(ServerMetrics metrics, ILogger<CallGuardInterceptor> logger) : Interceptor
{
    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            var response = await continuation(request, context).ConfigureAwait(false);
            Count(context, StatusCode.OK);
            return response;
        }
        catch (Exception failure)
        {
            throw Map(failure, context);
        }
    }

    /// <inheritdoc />
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            Count(context, StatusCode.OK);
        }
        catch (Exception failure)
        {
            throw Map(failure, context);
        }
    }

    /// <inheritdoc />
    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
            Count(context, StatusCode.OK);
        }
        catch (Exception failure)
        {
            throw Map(failure, context);
        }
    }

    /// <inheritdoc />
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            var response = await continuation(requestStream, context).ConfigureAwait(false);
            Count(context, StatusCode.OK);
            return response;
        }
        catch (Exception failure)
        {
            throw Map(failure, context);
        }
    }

    private RpcException Map(Exception failure, ServerCallContext context)
    {
        var mapped = failure switch
        {
            RpcException rpc => rpc,
            StreamingEngineException engine => FromEngine(engine),
            OperationCanceledException or IOException when context.CancellationToken.IsCancellationRequested =>
                ServiceErrors.Cancelled("the call was cancelled"),
            _ => null,
        };
        if (mapped is null)
        {
            string incident = Incident.NewId();
            LogUnexpected(logger, failure, context.Method, incident);
            mapped = ServiceErrors.Internal(failure is StreamingEngineException
                ? $"internal error: the model failed (incident {incident})"
                : $"internal error (incident {incident}); the server's log has the details");
        }
        else
        {
            LogRefused(logger, context.Method, mapped.StatusCode, mapped.Status.Detail);
        }
        Count(context, mapped.StatusCode);
        return mapped;
    }

    // The engine's messages name its internal stream ids; the client gets its own words. Null: a fault (INTERNAL, logged).
    private static RpcException? FromEngine(StreamingEngineException engine) => engine.Kind switch
    {
        StreamingErrorKind.CapacityExhausted => ServiceErrors.ResourceExhausted("the model has no free stream slot; try again later"),
        StreamingErrorKind.DuplicateStreamId => ServiceErrors.AlreadyExists("a stream with this id is already open for this tenant"),
        StreamingErrorKind.InvalidAudio => ServiceErrors.InvalidArgument("the audio could not be decoded"),
        StreamingErrorKind.EngineStopped => ServiceErrors.Unavailable("the server is shutting down"),
        _ => null,
    };

    private void Count(ServerCallContext context, StatusCode code)
    {
        string method = context.Method;
        int slash = method.LastIndexOf('/');
        metrics.Calls.WithLabels(slash >= 0 ? method[(slash + 1)..] : method, code.ToString()).Inc();
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "unexpected failure in {Method} (incident {Incident})")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method, string incident);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "{Method} ended with {Code}: {Detail}")]
    private static partial void LogRefused(ILogger logger, string method, StatusCode code, string detail);
}
