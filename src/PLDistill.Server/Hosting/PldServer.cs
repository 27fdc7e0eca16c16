using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PLDistill.Server.Calls;
using PLDistill.Server.Configuration;
using PLDistill.Server.Engines;
using PLDistill.Server.Errors;
using PLDistill.Server.Hub;
using PLDistill.Server.Observability;
using PLDistill.Server.Security;
using PLDistill.Server.Services;
using KestrelListenOptions = Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions;

namespace PLDistill.Server.Hosting;

/// <summary>
/// The gRPC server: Kestrel (HTTP/2; plaintext, or TLS with a certificate) hosting pldistill.v1.EmotionRecognition,
/// grpc.health.v1.Health and server reflection, plus a Prometheus listener. Used by <c>pld serve</c>, the tests and the
/// load harness alike.
/// </summary>
public sealed class PldServer : IAsyncDisposable
{
    /// <summary>Health service name of the emotion service (the empty name covers the whole server).</summary>
    public const string HealthServiceName = "pldistill.v1.EmotionRecognition";

    private readonly WebApplication app;
    private bool started;
    private int disposed;
    private readonly Endpoint grpcEndpoint;
    private readonly Endpoint? metricsEndpoint;
    private readonly Listeners listeners;

    private PldServer(WebApplication app, Endpoint grpcEndpoint, Endpoint? metricsEndpoint, Listeners listeners)
    {
        this.app = app;
        this.grpcEndpoint = grpcEndpoint;
        this.metricsEndpoint = metricsEndpoint;
        this.listeners = listeners;
    }

    /// <summary>The services (hub, engines, metrics) of the running server.</summary>
    public IServiceProvider Services => app.Services;

    /// <summary>The gRPC address, with the actual port once started.</summary>
    public Uri Address => AddressOf(grpcEndpoint, listeners.Grpc, grpcEndpoint.Tls ? "https" : "http");

    /// <summary>The metrics address (<c>/metrics</c> on it), or null when metrics are off.</summary>
    public Uri? MetricsAddress => metricsEndpoint is null ? null : AddressOf(metricsEndpoint, listeners.Metrics, "http");

    /// <summary>Builds (does not start) a server for <paramref name="options"/> running <paramref name="model"/>.</summary>
    /// <param name="options">Validated settings.</param>
    /// <param name="model">The recognizers' source.</param>
    /// <param name="configureLogging">Replaces the console logging the settings describe (tests capture logs with it).</param>
    /// <exception cref="ServerConfigurationException">The certificate cannot be loaded.</exception>
    public static PldServer Create(ServerOptions options, IRecognizerFactory model, Action<ILoggingBuilder>? configureLogging = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(model);
        options.Validate();
        var grpcEndpoint = Endpoint.Parse(options.Listen.Url, "listen.url");
        var metricsEndpoint = options.Metrics.Enabled ? Endpoint.Parse(options.Metrics.Url, "metrics.url") : null;
        var certificate = grpcEndpoint.Tls ? LoadCertificate(options.Listen) : null;

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(PldServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        // The settings come from ServerOptions alone, never from appsettings.json or ASPNETCORE_ variables.
        builder.Configuration.Sources.Clear();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.Limits.ShutdownDrain + TimeSpan.FromSeconds(5));
        ConfigureLogging(builder.Logging, options.Log, configureLogging);

        var listeners = new Listeners();   // Kestrel fills in the bound ports after it starts
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // One client (a gateway) may multiplex many streams on one connection.
            kestrel.Limits.Http2.MaxStreamsPerConnection = Math.Max(100, options.Limits.MaxStreams + 64);
            // A client that vanished without closing (a dead NAT entry, a killed process) is noticed and its calls end.
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
            kestrel.Listen(grpcEndpoint.Address, grpcEndpoint.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (certificate is not null)
                {
                    // The intermediates in the file go out with the certificate, so that clients can build the chain
                    // to a root they trust (a "fullchain" PEM, a PFX with its chain).
                    listen.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = certificate.Leaf,
                        ServerCertificateChain = certificate.Chain,
                    });
                }
                listeners.Grpc = listen;
            });
            if (metricsEndpoint is not null)
            {
                kestrel.Listen(metricsEndpoint.Address, metricsEndpoint.Port, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1;
                    listen.Use(next => connection =>
                    {
                        connection.Items[MetricsEndpoint.ConnectionMark] = true;
                        return next(connection);
                    });
                    listeners.Metrics = listen;
                });
            }
        });

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(model);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ServerMetrics>();
        services.AddSingleton(new TenantDirectory(options.Auth.Tenants, options.Limits.MaxStreamsPerTenant));
        services.AddSingleton<EnginePool>();
        services.AddSingleton<StreamHub>();
        services.AddSingleton<StreamConfigValidator>();
        services.AddSingleton<RecognitionCalls>();
        services.AddSingleton<SubscriptionCalls>();
        services.AddSingleton<CallGuardInterceptor>();
        services.AddSingleton<ApiKeyInterceptor>();
        services.AddHostedService<ShutdownCoordinator>();
        services.AddGrpc(grpc =>
            {
                grpc.MaxReceiveMessageSize = options.Limits.MaxMessageBytes;
                grpc.MaxSendMessageSize = null;
                grpc.EnableDetailedErrors = false;
            })
            .AddServiceOptions<EmotionRecognitionService>(service =>
            {
                // Outermost first: the guard sees authentication failures too, and counts them.
                service.Interceptors.Add<CallGuardInterceptor>();
                service.Interceptors.Add<ApiKeyInterceptor>();
            });
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks(health =>
            {
                health.Services.Map("", _ => true);
                health.Services.Map(HealthServiceName, _ => true);
            })
            .AddCheck<ServingHealthCheck>("serving");

        var app = builder.Build();
        var server = new PldServer(app, grpcEndpoint, metricsEndpoint, listeners);
        var metrics = app.Services.GetRequiredService<ServerMetrics>();
        app.Use((context, next) => MetricsEndpoint.HandleAsync(context, next, metrics));
        app.MapGrpcService<EmotionRecognitionService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return server;
    }

    /// <summary>Binds the listeners and starts serving.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref started, true);
    }

    /// <summary>Stops gracefully: no new streams, open streams drain and send their final events, subscribers end with UNAVAILABLE.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => app.StopAsync(cancellationToken);

    /// <summary>Completes when the server was told to stop (Ctrl+C, SIGTERM, <see cref="StopAsync"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops gracefully if still serving (as <see cref="StopAsync"/>), then frees everything; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
            return;
        // Disposing the host alone would reset every connection: callers and subscribers would get a transport error
        // instead of their final events and UNAVAILABLE "the server is shutting down".
        if (Volatile.Read(ref started) && !app.Lifetime.ApplicationStopped.IsCancellationRequested)
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class Listeners
    {
        public KestrelListenOptions? Grpc { get; set; }
        public KestrelListenOptions? Metrics { get; set; }
    }

    private static Uri AddressOf(Endpoint endpoint, KestrelListenOptions? bound, string scheme)
    {
        int port = bound?.IPEndPoint?.Port ?? endpoint.Port;
        var address = endpoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : endpoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : endpoint.Address;
        string host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        return new Uri($"{scheme}://{host}:{port}");
    }

    private static void ConfigureLogging(ILoggingBuilder logging, LogSettings settings, Action<ILoggingBuilder>? custom)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(settings.MinimumLevel);
        // Kestrel and gRPC log every request at Information; our own lines say what matters.
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Grpc", LogLevel.Warning);
        logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Warning);
        if (custom is not null)
        {
            custom(logging);
            return;
        }
        if (settings.Json)
        {
            logging.AddJsonConsole(json =>
            {
                json.IncludeScopes = true;
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(text =>
            {
                text.SingleLine = true;
                text.IncludeScopes = false;   // the messages name the stream; JSON lines carry the scopes as fields
                text.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
    }

    private sealed record ServerCertificate(X509Certificate2 Leaf, X509Certificate2Collection Chain);

    // What Kestrel would only find at start, after the model has loaded (as a stack trace), or clients at every call.
    private static void CheckServerUse(X509Certificate2 certificate, string path)
    {
        const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
        var now = DateTime.Now;
        if (now > certificate.NotAfter)
            throw new ServerConfigurationException($"listen.tls_certificate '{path}' expired on {certificate.NotAfter:yyyy-MM-dd}");
        if (now < certificate.NotBefore)
            throw new ServerConfigurationException($"listen.tls_certificate '{path}' is not valid before {certificate.NotBefore:yyyy-MM-dd}");
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().SingleOrDefault()?.EnhancedKeyUsages;
        if (usages is not null && usages.Count > 0 && !usages.Cast<Oid>().Any(oid => oid.Value == ServerAuthentication))
            throw new ServerConfigurationException(
                $"listen.tls_certificate '{path}' is not for server authentication (its extended key usage lists {string.Join(", ", usages.Cast<Oid>().Select(o => o.FriendlyName ?? o.Value))})");
    }

    // The server's certificate (the one with the private key) and the other certificates of the file: its chain.
    private static ServerCertificate LoadCertificate(ListenSettings listen)
    {
        string path = listen.TlsCertificate!;
        try
        {
            if (!File.Exists(path))
                throw new ServerConfigurationException($"listen.tls_certificate '{path}' does not exist");
            string extension = Path.GetExtension(path).ToLowerInvariant();
            string? password = listen.TlsPasswordEnvironmentVariable is { Length: > 0 } variable
                ? Environment.GetEnvironmentVariable(variable)
                  ?? throw new ServerConfigurationException($"listen.tls_password_env names ${variable}, which is not set")
                : null;
            if (extension is ".pfx" or ".p12")
            {
                var all = X509CertificateLoader.LoadPkcs12CollectionFromFile(path, password);
                var leaf = all.FirstOrDefault(c => c.HasPrivateKey)
                           ?? throw new ServerConfigurationException($"listen.tls_certificate '{path}' holds no certificate with its private key");
                CheckServerUse(leaf, path);
                return new ServerCertificate(leaf, [.. all.Where(c => !ReferenceEquals(c, leaf))]);
            }
            if (!string.IsNullOrWhiteSpace(listen.TlsKey) && !File.Exists(listen.TlsKey))
                throw new ServerConfigurationException($"listen.tls_key '{listen.TlsKey}' does not exist");
            // The password, when given, opens an encrypted PKCS#8 key ("-----BEGIN ENCRYPTED PRIVATE KEY-----").
            var withKey = password is not null
                ? X509Certificate2.CreateFromEncryptedPemFile(path, password, string.IsNullOrWhiteSpace(listen.TlsKey) ? null : listen.TlsKey)
                : string.IsNullOrWhiteSpace(listen.TlsKey)
                    ? X509Certificate2.CreateFromPemFile(path)
                    : X509Certificate2.CreateFromPemFile(path, listen.TlsKey);
            CheckServerUse(withKey, path);
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(path);
            return new ServerCertificate(withKey, [.. chain.Where(c => c.Thumbprint != withKey.Thumbprint)]);
        }
        catch (Exception bad) when (bad is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ServerConfigurationException($"listen.tls_certificate '{path}': {bad.Message}", bad);
        }
    }
}
