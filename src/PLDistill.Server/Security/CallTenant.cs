using Grpc.Core;

namespace PLDistill.Server.Security;

/// <summary>Where <see cref="ApiKeyInterceptor"/> leaves the authenticated tenant for the service.</summary>
internal static class CallTenant
{
    private const string Key = "pldistill.tenant";

    public static void Set(ServerCallContext context, Tenant tenant) => context.UserState[Key] = tenant;

    /// <summary>The call's tenant; a call that reached the service without one is a wiring bug.</summary>
    public static Tenant Get(ServerCallContext context) =>
        context.UserState.TryGetValue(Key, out var value) && value is Tenant tenant ? tenant
        : throw new InvalidOperationException("no tenant on the call: the API key interceptor is not installed");
}
