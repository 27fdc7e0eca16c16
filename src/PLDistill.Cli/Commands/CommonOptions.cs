using System.CommandLine;
using PLDistill.Models.Runtime;

namespace PLDistill.Cli.Commands;

/// <summary>Options every command that touches libtorch shares.</summary>
internal static class CommonOptions
{
    public static readonly Option<DeviceChoice> Device = new("--device")
    {
        Description = "cpu, cuda or auto (CUDA when the loaded libtorch has it and a GPU is visible)",
        DefaultValueFactory = _ => DeviceChoice.Auto,
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (Enum.TryParse<DeviceChoice>(text, ignoreCase: true, out var choice) && Enum.IsDefined(choice) && !int.TryParse(text, out _))
                return choice;
            result.AddError($"--device '{text}': use cpu, cuda or auto");
            return DeviceChoice.Auto;
        },
        Recursive = true,
    };

    public static readonly Option<string?> LibTorch = new("--libtorch")
    {
        Description = $"a libtorch folder to use instead of the bundled CPU one, e.g. a CUDA PyTorch install's torch/lib " +
                      $"(also ${TorchRuntimeOptions.LibTorchEnvironmentVariable})",
        Recursive = true,
    };

    public static readonly Option<int?> Threads = CreateThreads();

    // More threads than a few per core only slow libtorch down (1,000 took 27 s to start), and none is no setting.
    private static Option<int?> CreateThreads()
    {
        int most = Math.Max(64, 4 * Environment.ProcessorCount);
        var option = new Option<int?>("--threads")
        {
            Description = $"CPU threads for libtorch, 1..{most} (default: libtorch's choice)",
            Recursive = true,
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is int threads && (threads < 1 || threads > most))
                result.AddError($"--threads {threads}: use 1..{most} (this machine has {Environment.ProcessorCount} cores)");
        });
        return option;
    }

    /// <summary>The inference precision of the commands that run a model (training is always float32).</summary>
    public static Option<InferencePrecision> CreatePrecision() => new("--precision")
    {
        Description = "Float32 (as trained) or BFloat16 (faster on CPUs with AVX512-BF16 or AMX and on GPUs; class probabilities move by a few thousandths)",
        DefaultValueFactory = _ => InferencePrecision.Float32,
    };

    /// <summary>Loads libtorch as the options say; the single place the CLI does so.</summary>
    public static TorchRuntimeInfo InitializeTorch(ParseResult parse)
    {
        var options = TorchRuntimeOptions.FromEnvironment(parse.GetValue(Device));
        string? folder = parse.GetValue(LibTorch);
        return TorchRuntime.Initialize(options with
        {
            LibTorchDirectory = folder ?? options.LibTorchDirectory,
            CpuThreads = parse.GetValue(Threads),
        });
    }

    /// <summary>Refuses an output that is a file or a folder with anything in it, naming <paramref name="option"/>.</summary>
    /// <exception cref="ArgumentException">The folder is a file or not empty.</exception>
    public static void RequireEmptyFolder(string folder, string option)
    {
        if (File.Exists(folder))
            throw new ArgumentException($"{option} {folder} is a file; give a folder");
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            throw new ArgumentException($"{option} {folder} is not empty; choose a new folder");
    }
}
