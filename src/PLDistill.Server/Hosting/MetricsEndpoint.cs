using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using PLDistill.Server.Observability;
using Prometheus;

namespace PLDistill.Server.Hosting;

/// <summary>
/// Serves <c>GET /metrics</c> (Prometheus text format) on connections accepted by the metrics listener only; the listener
/// marks its connections, so the gRPC port never answers with metrics and the metrics port never runs gRPC.
/// </summary>
internal static class MetricsEndpoint
{
    /// <summary>The connection item the metrics listener sets.</summary>
    public const string ConnectionMark = "pldistill.metrics-listener";

    public static async Task HandleAsync(HttpContext context, RequestDelegate next, ServerMetrics metrics)
    {
        var items = context.Features.Get<IConnectionItemsFeature>()?.Items;
        if (items is null || !items.ContainsKey(ConnectionMark))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        if (context.Request.Path != "/metrics" || !HttpMethods.IsGet(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }
}
