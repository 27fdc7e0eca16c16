using Grpc.Core;
using Grpc.Core.Interceptors;
using PLDistill.Server.Errors;

namespace PLDistill.Server.Security;

/// <summary>
/// Authenticates every call of the emotion service from its metadata (<c>authorization: Bearer KEY</c> or
/// <c>x-api-key: KEY</c>) before the handler runs; no key or an unknown key ends the call with UNAUTHENTICATED.
/// </summary>
public sealed class ApiKeyInterceptor(TenantDirectory tenants) : Interceptor
{
    /// <summary>The alternative metadata key for the API key.</summary>
    public const string ApiKeyHeader = "x-api-key";

    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, context);
    }

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, responseStream, context);
    }

    /// <inheritdoc />
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(requestStream, responseStream, context);
    }

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(requestStream, context);
    }

    private void Authenticate(ServerCallContext context)
    {
        string? key = null;
        foreach (var entry in context.RequestHeaders)
        {
            if (entry.IsBinary)
                continue;
            if (entry.Key == "authorization")
            {
                const string bearer = "Bearer ";
                if (!entry.Value.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
                    throw ServiceErrors.Unauthenticated("the authorization metadata must be 'Bearer <API key>'");
                key = entry.Value[bearer.Length..].Trim();
            }
            else if (entry.Key == ApiKeyHeader)
            {
                key ??= entry.Value.Trim();
            }
        }
        if (string.IsNullOrEmpty(key))
            throw ServiceErrors.Unauthenticated($"no API key: send 'authorization: Bearer <key>' or '{ApiKeyHeader}: <key>' metadata");
        var tenant = tenants.Authenticate(key)
            ?? throw ServiceErrors.Unauthenticated("the API key is not valid");
        CallTenant.Set(context, tenant);
    }
}
