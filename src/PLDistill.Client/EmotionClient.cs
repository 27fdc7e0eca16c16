using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using PLDistill.Api.V1;

namespace PLDistill.Client;

/// <summary>
/// A client of the pldistill.v1 emotion service: one channel (HTTP/2, plaintext or TLS) carrying the tenant's API key on
/// every call. Thread-safe; share one per server. Status failures surface as <see cref="RpcException"/>.
/// </summary>
public sealed class EmotionClient : IDisposable
{
    /// <summary>The response header a Subscribe call carries once the server has attached it.</summary>
    public const string SubscribedHeader = "pld-subscribed";

    // The extended key usage "TLS web server authentication".
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    private readonly GrpcChannel channel;

    private EmotionClient(GrpcChannel channel, CallInvoker invoker)
    {
        this.channel = channel;
        Raw = new EmotionRecognition.EmotionRecognitionClient(invoker);
    }

    /// <summary>The generated client, with the API key already attached, for anything the helpers do not cover.</summary>
    public EmotionRecognition.EmotionRecognitionClient Raw { get; }

    /// <summary>The channel (for health checks or reflection against the same server).</summary>
    public ChannelBase Channel => channel;

    /// <summary>A client of the server at <paramref name="address"/> (http:// or https://) authenticating with <paramref name="apiKey"/>.</summary>
    /// <exception cref="ArgumentException">The address is neither http:// nor https://; it is http:// to another machine
    /// without <see cref="EmotionClientOptions.AllowInsecure"/> (the key would travel in cleartext); or a trusted root is
    /// given for an http:// address, where there is no TLS for it to apply to.</exception>
    public static EmotionClient Connect(Uri address, string apiKey, EmotionClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        options ??= new EmotionClientOptions();
        if (!address.IsAbsoluteUri || address.Scheme is not ("http" or "https"))
            throw new ArgumentException($"'{address}': the server's address is http://HOST:PORT or https://HOST:PORT", nameof(address));
        if (address.Scheme == "http" && options.TrustedRoot is not null)
            throw new ArgumentException($"'{address}' is plaintext http://, so the trusted root given for TLS would not apply; use https://", nameof(options));
        if (address.Scheme == "http" && !address.IsLoopback && !options.AllowInsecure)
            throw new ArgumentException(
                $"'{address}' is plaintext http:// to another machine: the API key would cross the network in cleartext; " +
                "use https://, or allow it explicitly (EmotionClientOptions.AllowInsecure, pld client --insecure)", nameof(address));
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = options.ConnectTimeout,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        };
        if (options.TrustedRoot is { } root)
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, presented, errors) => TrustedBy(root, certificate, presented, errors);
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 16 << 20,
        });
        string header = $"Bearer {apiKey}";
        // A new set of headers for every call: the caller's own set may be reused for many calls, and on many threads.
        // An authorization the caller gave for this call is theirs to give.
        var invoker = channel.Intercept(metadata =>
        {
            var headers = new Metadata();
            foreach (var entry in metadata)
                headers.Add(entry);
            if (headers.Get("authorization") is null)
                headers.Add("authorization", header);
            return headers;
        });
        return new EmotionClient(channel, invoker);
    }

    /// <summary>Starts a Recognize call and sends <paramref name="config"/>; send audio on the returned session.</summary>
    /// <param name="config">The stream's settings, sent as its first message.</param>
    /// <param name="cancellationToken">Cancels the call itself, for as long as it runs, not only its start.</param>
    /// <remarks>
    /// It returns once the config is handed to the transport, which does not wait for the server: the server's answer is
    /// the first event (<c>started</c>) or the call's status, on <see cref="RecognitionSession.ReadEventsAsync"/>. To bound
    /// the wait for it, cancel the token (which ends the call and frees it on the server); a timeout put on this method's
    /// task alone would leave the call running.
    /// </remarks>
    public async Task<RecognitionSession> StartRecognitionAsync(StreamConfig config, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        var call = Raw.Recognize(cancellationToken: cancellationToken);
        var session = new RecognitionSession(call, config);
        try
        {
            await call.RequestStream.WriteAsync(new AudioRequest { Config = config }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            session.Dispose();
            throw;
        }
        return session;
    }

    /// <summary>
    /// Subscribes to streams of the caller's tenant (see <see cref="SubscribeRequest"/>) and returns once the server has
    /// attached the subscription; read its events from the result.
    /// </summary>
    /// <param name="request">What to follow.</param>
    /// <param name="cancellationToken">Cancels the subscription itself, for as long as it runs, not only its start.</param>
    /// <exception cref="RpcException">The server refused the subscription.</exception>
    public async Task<EventSubscription> SubscribeAsync(SubscribeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = Raw.Subscribe(request, cancellationToken: cancellationToken);
        try
        {
            // The server sends its headers, marked, once the subscription is attached; a refusal comes without the mark.
            var headers = await call.ResponseHeadersAsync.ConfigureAwait(false);
            if (headers.Get(SubscribedHeader) is null)
            {
                await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false);   // throws the refusal's status
                throw new RpcException(new Status(StatusCode.Unknown, "the server did not confirm the subscription"));
            }
        }
        catch
        {
            call.Dispose();
            throw;
        }
        return new EventSubscription(call);
    }

    /// <summary>The caller's tenant's open streams.</summary>
    public async Task<IReadOnlyList<StreamInfo>> ListStreamsAsync(CancellationToken cancellationToken = default)
    {
        var response = await Raw.ListStreamsAsync(new ListStreamsRequest(), cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.Streams;
    }

    /// <inheritdoc />
    public void Dispose() => channel.Dispose();

    /// <summary>Whether <paramref name="presented"/> chains to <paramref name="root"/> as a server certificate.</summary>
    internal static bool TrustedBy(X509Certificate2 root, X509Certificate? presented, X509Chain? presentedChain, SslPolicyErrors errors)
    {
        if (presented is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        // A certificate of the same CA issued for another purpose (a client certificate) is no server certificate.
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(ServerAuthentication));
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // The intermediates the server sent: a root-of-trust is rarely the issuer of the server's certificate itself.
        if (presentedChain is not null)
            chain.ChainPolicy.ExtraStore.AddRange(presentedChain.ChainPolicy.ExtraStore);
        using var certificate = new X509Certificate2(presented);
        // The name check is the platform's; only the root of trust is ours.
        return !errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) && chain.Build(certificate);
    }
}
