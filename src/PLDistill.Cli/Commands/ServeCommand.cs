using System.CommandLine;
using PLDistill.Server.Configuration;
using PLDistill.Server.Engines;
using PLDistill.Server.Hosting;
using PLDistill.Server.Security;

namespace PLDistill.Cli.Commands;

/// <summary>
/// <c>pld serve</c>: the gRPC server (pldistill.v1) with the settings of configs/server.yaml, a few of which the options
/// override; Ctrl+C or SIGTERM stops it gracefully (open streams send their final events). <c>pld serve hash-key</c>
/// prints the SHA-256 a tenants file lists for an API key.
/// </summary>
internal static class ServeCommand
{
    private const string DefaultConfig = "configs/server.yaml";

    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "server settings (.yaml or .json)", DefaultValueFactory = _ => DefaultConfig };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "student checkpoint file or 'default' (overrides model.checkpoint)" };
        var listen = new Option<string?>("--listen") { Description = "http://IP:PORT or https://IP:PORT (overrides listen.url)" };
        var tlsCertificate = new Option<string?>("--tls-cert") { Description = "PKCS#12 or PEM certificate for https (overrides listen.tls_certificate)" };
        var tlsKey = new Option<string?>("--tls-key") { Description = "PEM private key of a PEM certificate (overrides listen.tls_key)" };
        var metrics = new Option<string?>("--metrics") { Description = "http://IP:PORT for /metrics, or 'off' (overrides metrics.url)" };
        var precision = new Option<string?>("--precision") { Description = "float32 or bfloat16 (overrides model.precision)" };
        var logFormat = new Option<string?>("--log-format") { Description = "text or json (overrides logging.format)" };
        var command = new Command("serve", "Serve real-time emotion recognition over gRPC (pldistill.v1)")
        {
            config, checkpoint, precision, listen, tlsCertificate, tlsKey, metrics, logFormat, CreateHashKey(),
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var overrides = new Dictionary<string, string?>();
            void Override(string key, string? value)
            {
                if (value is not null)
                    overrides[key] = value;
            }
            // Paths given here are the shell's (the current folder's); paths in the file are found beside the file.
            static string? FromShell(string? path) => path is null ? null : Path.GetFullPath(path);
            string? givenCheckpoint = parse.GetValue(checkpoint);
            Override("model:checkpoint", givenCheckpoint == DefaultModel.Name ? givenCheckpoint : FromShell(givenCheckpoint));
            Override("model:precision", parse.GetValue(precision));
            Override("listen:url", parse.GetValue(listen));
            Override("listen:tls_certificate", FromShell(parse.GetValue(tlsCertificate)));
            Override("listen:tls_key", FromShell(parse.GetValue(tlsKey)));
            Override("logging:format", parse.GetValue(logFormat));
            if (parse.GetValue(metrics) is { } metricsUrl)
                Override(metricsUrl == "off" ? "metrics:enabled" : "metrics:url", metricsUrl == "off" ? "false" : metricsUrl);
            string path = parse.GetValue(config)!;
            if (path == DefaultConfig && !File.Exists(path))
                throw new FileNotFoundException($"{path} not found (run from the repository root, or pass --config FILE)");
            ServerOptions options;
            try
            {
                options = ServerConfiguration.Load(path, overrides);
            }
            catch (ServerConfigurationException bad)
            {
                throw new ArgumentException(bad.Message, bad);
            }

            var runtime = CommonOptions.InitializeTorch(parse);
            var student = DefaultModel.LoadStudent(options.Model.Checkpoint, options.Model.ParsedPrecision);
            var model = new StudentRecognizerFactory(student.Model, student.Features, student.Streaming, student.Labels, runtime.Device, student.Description);
            PldServer server;
            try
            {
                server = PldServer.Create(options, model);
            }
            catch (ServerConfigurationException bad)
            {
                throw new ArgumentException(bad.Message, bad);
            }
            await using (server)
            {
                await server.StartAsync(cancellation);
                Console.WriteLine($"model: {student.Description}; {student.Model.ParameterCount:N0} parameters on {runtime.Device.type.ToString().ToLowerInvariant()} in {student.Model.Precision}");
                Console.WriteLine($"serving pldistill.v1 on {server.Address} ({(options.Listen.UsesTls ? "TLS" : "plaintext HTTP/2")}), " +
                                  $"{options.Auth.Tenants.Count} tenant(s); metrics: {(server.MetricsAddress is { } m ? new Uri(m, "/metrics").ToString() : "off")}");
                if (student.IsRandom)
                    Console.WriteLine("note: the model is randomly initialised; the estimates are meaningless");
                Console.WriteLine("Ctrl+C stops gracefully (open streams get their final events)");
                // The host's own console lifetime handles SIGINT/SIGTERM and drains; the command's token does the same.
                await using var stop = cancellation.Register(() => _ = server.StopAsync(CancellationToken.None));
                await server.WaitForShutdownAsync(CancellationToken.None);
                await server.StopAsync(CancellationToken.None);
            }
            return 0;
        });
        return command;
    }

    private static Command CreateHashKey()
    {
        var key = new Argument<string?>("key") { Description = "the API key to hash (omit with --new)", Arity = ArgumentArity.ZeroOrOne };
        var fresh = new Option<bool>("--new") { Description = "make a new random key and print it with its hash" };
        var command = new Command("hash-key", "Print the SHA-256 that a tenants file lists for an API key") { key, fresh };
        command.SetAction(parse =>
        {
            string? given = parse.GetValue(key);
            if (parse.GetValue(fresh))
            {
                if (given is not null)
                    throw new ArgumentException("give a key or --new, not both");
                given = ApiKeys.NewKey();
                Console.WriteLine($"key:    {given}");
                Console.WriteLine($"sha256: {ApiKeys.Hash(given)}");
                return 0;
            }
            if (string.IsNullOrEmpty(given))
                throw new ArgumentException("give the key to hash, or --new to make one");
            Console.WriteLine(ApiKeys.Hash(given));
            return 0;
        });
        return command;
    }
}
