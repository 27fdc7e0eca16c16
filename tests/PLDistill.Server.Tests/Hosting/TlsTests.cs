using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using PLDistill.Client;
using PLDistill.Server.Configuration;
using PLDistill.Server.Tests.TestSupport;

namespace PLDistill.Server.Tests.Hosting;

public sealed class TlsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("pld-tls-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory(Timeout = 60_000)]
    [InlineData("pfx")]
    [InlineData("pem")]
    public async Task With_a_certificate_the_server_speaks_tls_and_clients_that_trust_it_connect(string form)
    {
        using var key = RSA.Create(2048);
        using var certificate = ServerRequest("CN=pld-test", key, authority: true).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var listen = Listen(form, certificate, key);

        await using var harness = await ServerHarness.StartAsync(o => o with { Listen = listen });
        Assert.Equal("https", harness.Address.Scheme);

        using var root = X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert));
        var trusting = harness.Client(options: new EmotionClientOptions { TrustedRoot = root });
        Assert.Empty(await trusting.ListStreamsAsync(TestContext.Current.CancellationToken));

        var untrusting = harness.Client();
        var refused = await Assert.ThrowsAsync<RpcException>(() => untrusting.ListStreamsAsync(TestContext.Current.CancellationToken));
        Assert.Contains(refused.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });   // Grpc.Net.Client reports TLS failures as either
        Assert.Contains("SSL", refused.Status.Detail, StringComparison.Ordinal);

        using var plaintext = EmotionClient.Connect(new Uri($"http://127.0.0.1:{harness.Address.Port}"), ServerHarness.AcmeKey);
        await Assert.ThrowsAsync<RpcException>(() => plaintext.ListStreamsAsync(TestContext.Current.CancellationToken));
    }

    [Theory(Timeout = 60_000)]
    [InlineData("pfx")]
    [InlineData("pem")]
    public async Task A_certificate_issued_through_an_intermediate_reaches_clients_that_trust_only_the_root(string form)
    {
        // A private CA as operators run one: root -> intermediate -> server. The server sends the intermediate from its
        // file (a PFX with the chain, a "fullchain" PEM); the client trusts the root alone.
        using var rootKey = RSA.Create(2048);
        using var root = AuthorityRequest("CN=pld-test-root", rootKey).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(2));
        using var intermediateKey = RSA.Create(2048);
        using var intermediateOnly = AuthorityRequest("CN=pld-test-intermediate", intermediateKey)
            .Create(root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);
        using var intermediate = intermediateOnly.CopyWithPrivateKey(intermediateKey);
        using var serverKey = RSA.Create(2048);
        using var server = ServerRequest("CN=pld-test-server", serverKey, authority: false)
            .Create(intermediate, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), [5, 6, 7, 8]);
        var listen = Listen(form, server, serverKey, intermediateOnly);

        await using var harness = await ServerHarness.StartAsync(o => o with { Listen = listen });
        using var trustedRoot = X509CertificateLoader.LoadCertificate(root.Export(X509ContentType.Cert));
        var trusting = harness.Client(options: new EmotionClientOptions { TrustedRoot = trustedRoot });
        Assert.Empty(await trusting.ListStreamsAsync(TestContext.Current.CancellationToken));

        // Trusting another root still fails: the chain is checked, not waved through.
        using var otherKey = RSA.Create(2048);
        using var other = AuthorityRequest("CN=pld-other-root", otherKey).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var otherRoot = X509CertificateLoader.LoadCertificate(other.Export(X509ContentType.Cert));
        var mistrusting = harness.Client(options: new EmotionClientOptions { TrustedRoot = otherRoot });
        await Assert.ThrowsAsync<RpcException>(() => mistrusting.ListStreamsAsync(TestContext.Current.CancellationToken));
    }

    private static CertificateRequest AuthorityRequest(string subject, RSA key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request;
    }

    // A certificate for 127.0.0.1; a self-signed one must be an authority to be its own root of trust.
    private static CertificateRequest ServerRequest(string subject, RSA key, bool authority)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(authority, false, 0, true));
        return request;
    }

    // The server's TLS settings for a PFX (certificate, key and chain, password from the environment) or a PEM pair
    // (certificate then chain in one file, the key in another).
    private ListenSettings Listen(string form, X509Certificate2 certificate, RSA key, params X509Certificate2[] chain)
    {
        if (form == "pfx")
        {
            string pfx = Path.Combine(folder, "server.pfx");
            using var withKey = certificate.HasPrivateKey ? null : certificate.CopyWithPrivateKey(key);
            File.WriteAllBytes(pfx, new X509Certificate2Collection((X509Certificate2[])[withKey ?? certificate, .. chain]).Export(X509ContentType.Pkcs12, "secret")!);
            Environment.SetEnvironmentVariable("PLD_TEST_TLS_PASSWORD", "secret");
            return new ListenSettings { Url = "https://127.0.0.1:0", TlsCertificate = pfx, TlsPasswordEnvironmentVariable = "PLD_TEST_TLS_PASSWORD" };
        }
        string pem = Path.Combine(folder, "server.pem"), keyFile = Path.Combine(folder, "server.key");
        File.WriteAllText(pem, string.Join("\n", [certificate.ExportCertificatePem(), .. chain.Select(c => c.ExportCertificatePem())]));
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return new ListenSettings { Url = "https://127.0.0.1:0", TlsCertificate = pem, TlsKey = keyFile };
    }

    [Fact]
    public void A_missing_certificate_is_a_configuration_error()
    {
        var options = ServerHarness.DefaultOptions() with
        {
            Listen = new ListenSettings { Url = "https://127.0.0.1:0", TlsCertificate = Path.Combine(folder, "nope.pfx") },
        };
        var error = Assert.Throws<ServerConfigurationException>(() => PLDistill.Server.Hosting.PldServer.Create(options, TestModel.Factory()));
        Assert.Contains("nope.pfx' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("client-only", "is not for server authentication")]
    [InlineData("expired", "expired on")]
    [InlineData("not-yet", "is not valid before")]
    public void A_certificate_a_client_would_refuse_is_a_configuration_error_before_the_model_loads(string kind, string message)
    {
        // Kestrel finds a wrong-purpose certificate only at start (a stack trace, after the model has loaded); an expired
        // one it serves, and every client fails.
        using var key = RSA.Create(2048);
        var request = ServerRequest("CN=pld-test", key, authority: false);
        if (kind == "client-only")
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var (from, to) = kind switch
        {
            "expired" => (DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(-1)),
            "not-yet" => (DateTimeOffset.UtcNow.AddDays(1), DateTimeOffset.UtcNow.AddDays(10)),
            _ => (DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)),
        };
        using var certificate = request.CreateSelfSigned(from, to);
        foreach (string form in new[] { "pfx", "pem" })
        {
            var options = ServerHarness.DefaultOptions() with { Listen = Listen(form, certificate, key) };

            var error = Assert.Throws<ServerConfigurationException>(() => PLDistill.Server.Hosting.PldServer.Create(options, TestModel.Factory()));

            Assert.Contains(message, error.Message, StringComparison.Ordinal);
            Assert.Contains("listen.tls_certificate", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_missing_key_file_is_named_as_the_key()
    {
        using var key = RSA.Create(2048);
        using var certificate = ServerRequest("CN=pld-test", key, authority: false).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var listen = Listen("pem", certificate, key) with { TlsKey = Path.Combine(folder, "nokey.pem") };

        var error = Assert.Throws<ServerConfigurationException>(() => PLDistill.Server.Hosting.PldServer.Create(ServerHarness.DefaultOptions() with { Listen = listen }, TestModel.Factory()));

        Assert.Contains("listen.tls_key", error.Message, StringComparison.Ordinal);
        Assert.Contains("nokey.pem' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task An_encrypted_pem_key_opens_with_the_password_from_the_environment()
    {
        using var key = RSA.Create(2048);
        using var certificate = ServerRequest("CN=pld-test", key, authority: true).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var listen = Listen("pem", certificate, key);
        File.WriteAllText(listen.TlsKey!, key.ExportEncryptedPkcs8PrivateKeyPem("pem-secret",
            new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000)));
        Environment.SetEnvironmentVariable("PLD_TEST_PEM_PASSWORD", "pem-secret");

        await using var harness = await ServerHarness.StartAsync(o => o with { Listen = listen with { TlsPasswordEnvironmentVariable = "PLD_TEST_PEM_PASSWORD" } });

        using var root = X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert));
        Assert.Empty(await harness.Client(options: new EmotionClientOptions { TrustedRoot = root }).ListStreamsAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_separate_key_beside_a_pkcs12_file_is_refused_rather_than_ignored()
    {
        var options = ServerHarness.DefaultOptions() with
        {
            Listen = new ListenSettings { Url = "https://127.0.0.1:0", TlsCertificate = Path.Combine(folder, "server.pfx"), TlsKey = Path.Combine(folder, "server.key") },
        };
        var error = Assert.Throws<ServerConfigurationException>(() => options.Validate());
        Assert.Contains("is PKCS#12, which holds its own key", error.Message, StringComparison.Ordinal);
    }
}
