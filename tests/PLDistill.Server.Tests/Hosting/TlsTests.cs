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
        var request = new CertificateRequest("CN=pld-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        ListenSettings listen;
        if (form == "pfx")
        {
            string pfx = Path.Combine(folder, "server.pfx");
            File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pkcs12, "secret"));
            Environment.SetEnvironmentVariable("PLD_TEST_TLS_PASSWORD", "secret");
            listen = new ListenSettings { Url = "https://127.0.0.1:0", TlsCertificate = pfx, TlsPasswordEnvironmentVariable = "PLD_TEST_TLS_PASSWORD" };
        }
        else
        {
            string pem = Path.Combine(folder, "server.pem"), keyFile = Path.Combine(folder, "server.key");
            File.WriteAllText(pem, certificate.ExportCertificatePem());
            File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
            listen = new ListenSettings { Url = "https://127.0.0.1:0", TlsCertificate = pem, TlsKey = keyFile };
        }

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
}
