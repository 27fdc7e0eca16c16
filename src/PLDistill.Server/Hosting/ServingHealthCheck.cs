using Microsoft.Extensions.Diagnostics.HealthChecks;
using PLDistill.Server.Hub;

namespace PLDistill.Server.Hosting;

/// <summary>SERVING while the server admits streams; NOT_SERVING once it is shutting down (load balancers stop routing to it).</summary>
internal sealed class ServingHealthCheck(StreamHub hub) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(hub.IsStopping ? HealthCheckResult.Unhealthy("shutting down") : HealthCheckResult.Healthy());
}
