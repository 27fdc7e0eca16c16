using PLDistill.Server.Configuration;
using PLDistill.Server.Security;

namespace PLDistill.Server.Tests.Configuration;

public sealed class ServerConfigurationTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("pld-server-config-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void A_yaml_file_with_a_tenants_file_is_read_into_validated_options()
    {
        Write("tenants.yaml", $"""
            tenants:
              - name: acme
                api_key_sha256: [{ApiKeys.Hash("k1")}]
                max_streams: 4
            """);
        var options = ServerConfiguration.Load(Write("server.yaml", """
            listen: { url: "http://127.0.0.1:6000" }
            metrics: { enabled: false }
            model: { precision: bfloat16 }
            streaming: { default_hop_milliseconds: 500, max_configurations: 2 }
            engine: { policy: drop_oldest, producer_wait_milliseconds: -1 }
            limits:
              idle_timeout_seconds: 3
              max_streams_per_tenant: 8
            auth:
              tenants_file: tenants.yaml
              tenants:
                - name: inline
                  api_key_sha256: [ "{{HASH}}" ]
            logging: { format: json, level: warning }
            """.Replace("{{HASH}}", ApiKeys.Hash("k2"), StringComparison.Ordinal)));

        Assert.Equal("http://127.0.0.1:6000", options.Listen.Url);
        Assert.False(options.Metrics.Enabled);
        Assert.Equal(PLDistill.Models.Runtime.InferencePrecision.BFloat16, options.Model.ParsedPrecision);
        Assert.Equal(500, options.Streaming.DefaultHopMilliseconds);
        Assert.Equal(-1, options.Engine.ProducerWaitMilliseconds);
        Assert.Equal(Timeout.InfiniteTimeSpan, options.Engine.ToEngineOptions(TimeSpan.Zero).ProducerWaitBudget);
        Assert.Equal(TimeSpan.FromSeconds(3), options.Limits.IdleTimeout);
        Assert.Equal(256, options.Limits.MaxStreams);   // default kept
        Assert.True(options.Log.Json);
        Assert.Equal(["inline", "acme"], options.Auth.Tenants.Select(t => t.Name));
        var directory = new TenantDirectory(options.Auth.Tenants, options.Limits.MaxStreamsPerTenant);
        Assert.Equal(new Tenant("acme", 4), directory.Authenticate("k1"));
        Assert.Equal(new Tenant("inline", 8), directory.Authenticate("k2"));
        Assert.Null(directory.Authenticate("k3"));
        Assert.Null(directory.Authenticate(ApiKeys.Hash("k1")));   // the hash is not a key
    }

    [Fact]
    public void The_shipped_example_configs_load()
    {
        string configs = Path.Combine(RepoRoot(), "configs");
        var options = ServerConfiguration.Load(Path.Combine(configs, "server.yaml"));
        Assert.Equal(ListenSettings.DefaultUrl, options.Listen.Url);
        Assert.NotEmpty(options.Auth.Tenants);
        Assert.NotNull(ServerConfiguration.Load(Path.Combine(configs, "server.json")));
    }

    [Theory]
    [InlineData("limits: { max_streams: 10, bogus: 1 }", "unknown key 'limits.bogus'; known keys here: event_buffer, idle_timeout_seconds")]
    [InlineData("limits: { max_streams: many }", "limits.max_streams 'many' is not a valid Int32")]
    [InlineData("limits: { idle_timeout_seconds: 0 }", "limits.idle_timeout_seconds 0: must be > 0")]
    [InlineData("limits: { idle_timeout_seconds: 1e7 }", "limits.idle_timeout_seconds 10000000: must be > 0 and <= 86400 (a day)")]
    [InlineData("limits: { idle_timeout_seconds: NaN }", "limits.idle_timeout_seconds NaN: must be > 0")]
    [InlineData("limits: { max_stream_duration_seconds: 1e12 }", "limits.max_stream_duration_seconds 1000000000000: must be > 0 and <= 2592000")]
    [InlineData("limits: { stall_timeout_seconds: 0 }", "limits.stall_timeout_seconds 0: must be > 0 and <= 3600")]
    [InlineData("engine: { producer_wait_milliseconds: 5e9 }", "engine.producer_wait_milliseconds 5000000000: use 0..60000, or -1 to always wait")]
    [InlineData("engine: { producer_wait_milliseconds: -2 }", "engine.producer_wait_milliseconds -2: use 0..60000")]
    [InlineData("engine: { max_batch_wait_milliseconds: NaN }", "engine.max_batch_wait_milliseconds NaN: use 0..1000")]
    [InlineData("listen: { url: \"ftp://x:1\" }", "listen.url 'ftp://x:1': use http://HOST:PORT")]
    [InlineData("listen: { url: \"https://127.0.0.1:1\" }", "is https but listen.tls_certificate is not set")]
    [InlineData("engine: { policy: fastest }", "engine.policy 'fastest': use coalesce or drop_oldest")]
    [InlineData("model: { precision: float16 }", "model.precision 'float16': use float32 or bfloat16")]
    [InlineData("streaming: { min_hop_milliseconds: 500, max_hop_milliseconds: 100 }", "need 20 <= min <= max <= 10000")]
    [InlineData("logging: { level: loud }", "logging.level 'loud'")]
    [InlineData("auth: { tenants: [ { name: Acme, api_key_sha256: [x] } ] }", "name 'Acme'")]
    [InlineData("auth: { tenants: [ { name: \"acme\\n\", api_key_sha256: [x] } ] }", "name 'acme")]
    [InlineData("auth: { tenants: [ { name: acme, api_key_sha256: [abc] } ] }", "'abc' is not 64 hex digits")]
    [InlineData("auth: { tenants_file: missing.yaml }", "auth.tenants_file 'missing.yaml' does not exist")]
    [InlineData("limits:\n  - a\n b: 1", "server.yaml: line 3, column 2: While parsing a block mapping")]
    [InlineData("limits: [", "server.yaml: malformed YAML: is a '[' or '{' never closed?")]
    [InlineData("limits:\n  max_streams:\n  max_streams_per_tenant: 4", "line 2: 'limits.max_streams' has no value; give one, or delete the line to keep the default")]
    [InlineData("limits:\n  # max_streams: 8\nlogging: { level: information }", "line 1: 'limits' has no value")]
    [InlineData("streaming: { default_hop_milliseconds: ~ }", "'streaming.default_hop_milliseconds' has no value")]
    [InlineData("listen: { tls_certificate: null }", "'listen.tls_certificate' has no value")]
    [InlineData("metrics: false", "'metrics' is a section, not a value ('false'); its keys: enabled, url")]
    [InlineData("listen: http://0.0.0.0:6000", "'listen' is a section, not a value ('http://0.0.0.0:6000')")]
    [InlineData("listen: { url: { host: x } }", "'listen.url' takes a value, not a section")]
    [InlineData("limits: { max_streams: 3 }\n---\nlogging: { level: information }", "a second YAML document")]
    [InlineData("listen: { url: \"http://127.0.0.1:9464\" }", "use the same port")]
    [InlineData("listen: { url: \"http://*:9000\" }\nmetrics: { url: \"http://127.0.0.1:9000\" }", "use the same port")]
    public void Bad_settings_are_errors_naming_the_file_and_the_key(string yaml, string message)
    {
        string hash = ApiKeys.Hash("k");
        string tenants = yaml.StartsWith("auth:", StringComparison.Ordinal) ? "" : $"\nauth: {{ tenants: [ {{ name: t, api_key_sha256: [{hash}] }} ] }}";
        string path = Write("server.yaml", yaml + tenants);
        var error = Assert.Throws<ServerConfigurationException>(() => ServerConfiguration.Load(path));
        Assert.True(error.Message.Contains(message, StringComparison.Ordinal), error.Message);
        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_list_given_as_one_value_is_an_error()
    {
        string path = Write("server.yaml", "auth: { tenants: [ { name: t, api_key_sha256: abc } ] }");
        var error = Assert.Throws<ServerConfigurationException>(() => ServerConfiguration.Load(path));
        Assert.Contains("'auth.tenants[0].api_key_sha256' is a list, not a single value ('abc'): write [abc]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Certificate_and_key_paths_in_the_file_are_found_beside_it_wherever_the_server_starts()
    {
        string hash = ApiKeys.Hash("k");
        string path = Write("server.yaml", $"listen: {{ url: \"https://127.0.0.1:0\", tls_certificate: server.pem, tls_key: keys/server.key }}\n" +
                                           $"auth: {{ tenants: [ {{ name: t, api_key_sha256: [{hash}] }} ] }}");
        string folder = Path.GetDirectoryName(path)!;

        var options = ServerConfiguration.Load(path);

        Assert.Equal(Path.Combine(folder, "server.pem"), options.Listen.TlsCertificate);
        Assert.Equal(Path.Combine(folder, "keys/server.key"), options.Listen.TlsKey);
        var absolute = ServerConfiguration.Load(path, new Dictionary<string, string?> { ["listen:tls_certificate"] = "/etc/pld/server.pem" });
        Assert.Equal("/etc/pld/server.pem", absolute.Listen.TlsCertificate);
    }

    [Fact]
    public void A_model_checkpoint_path_in_the_file_is_found_beside_it_and_default_stays_the_shipped_model()
    {
        string hash = ApiKeys.Hash("k");
        string tenants = $"auth: {{ tenants: [ {{ name: t, api_key_sha256: [{hash}] }} ] }}";
        string relative = Write("server.yaml", $"model: {{ checkpoint: models/student.pldckpt }}\n{tenants}");
        string shipped = Write("server-default.yaml", $"model: {{ checkpoint: default }}\n{tenants}");

        Assert.Equal(Path.Combine(folder, "models/student.pldckpt"), ServerConfiguration.Load(relative).Model.Checkpoint);
        Assert.Equal(ModelSettings.ShippedDefault, ServerConfiguration.Load(shipped).Model.Checkpoint);
        var absolute = ServerConfiguration.Load(relative, new Dictionary<string, string?> { ["model:checkpoint"] = "/srv/pld/student.pldckpt" });
        Assert.Equal("/srv/pld/student.pldckpt", absolute.Model.Checkpoint);
    }

    [Fact]
    public void A_bad_entry_of_the_tenants_file_names_the_tenants_file()
    {
        string tenants = Write("tenants.yaml", "tenants: [ { name: acme, api_key_sha256: [abc] } ]");
        string path = Write("server.yaml", "auth: { tenants_file: tenants.yaml }");

        var error = Assert.Throws<ServerConfigurationException>(() => ServerConfiguration.Load(path));

        Assert.StartsWith(tenants, error.Message, StringComparison.Ordinal);
        Assert.Contains("'abc' is not 64 hex digits", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_tenants_at_all_is_an_error_that_says_so()
    {
        var error = Assert.Throws<ServerConfigurationException>(() => ServerConfiguration.Load(Write("server.yaml", "limits: { max_streams: 4 }")));
        Assert.Contains("no tenants are configured", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:50051", "127.0.0.1", 50051, false)]
    [InlineData("https://[::1]:0", "::1", 0, true)]
    [InlineData("http://localhost:80", "127.0.0.1", 80, false)]
    [InlineData("http://*:9000", "0.0.0.0", 9000, false)]
    public void Listen_urls_parse(string url, string address, int port, bool tls)
    {
        var endpoint = Endpoint.Parse(url, "listen.url");
        Assert.Equal((address, port, tls), (endpoint.Address.ToString(), endpoint.Port, endpoint.Tls));
    }

    internal static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "")
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(thisFile) is { Length: > 0 } source && Directory.Exists(source) ? source : AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PLDistill.Streaming.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("repository root not found above " + AppContext.BaseDirectory);
    }
}
