using Microsoft.Extensions.Hosting;
using PLDistill.Server.Configuration;
using PLDistill.Server.Engines;
using PLDistill.Server.Hub;

namespace PLDistill.Server.Hosting;

/// <summary>
/// Starts (and warms) the default engine before the first call, and orders a graceful stop: when the host begins stopping, streams
/// stop reading audio (they watch <see cref="IHostApplicationLifetime.ApplicationStopping"/>), process what they received and
/// send their final events; once every stream has ended (or the drain time is up) the subscribers are ended with
/// UNAVAILABLE, after the events they were sent. The engines stop when the host is disposed.
/// </summary>
internal sealed class ShutdownCoordinator(StreamHub hub, EnginePool engines, ServerOptions options, IHostApplicationLifetime lifetime) : IHostedService
{
    private CancellationTokenRegistration stopping;
    private Task subscribersEnded = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await engines.WarmAsync(cancellationToken).ConfigureAwait(false);
        // Not in StopAsync: the web server may stop (and wait for the calls to end) before or after this service.
        stopping = lifetime.ApplicationStopping.Register(() => subscribersEnded = EndSubscribersAfterStreamsAsync());
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        hub.BeginShutdown();
        try
        {
            await subscribersEnded.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            hub.EndSubscribers();
        }
        await stopping.DisposeAsync().ConfigureAwait(false);
    }

    private async Task EndSubscribersAfterStreamsAsync()
    {
        hub.BeginShutdown();
        try
        {
            await hub.StreamsClosed.WaitAsync(options.Limits.ShutdownDrain + TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Streams that did not drain in time are cut by the host; subscribers still get a clean status.
        }
        hub.EndSubscribers();
    }
}
