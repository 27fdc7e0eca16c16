namespace PLDistill.Models.Runtime;

/// <summary>
/// Where libtorch comes from and which device to use. Resolved once per process by <see cref="TorchRuntime"/>.
/// </summary>
public sealed record TorchRuntimeOptions
{
    /// <summary>Environment variable naming an existing libtorch folder (e.g. a CUDA PyTorch install's <c>torch/lib</c>).</summary>
    public const string LibTorchEnvironmentVariable = "PLDISTILL_LIBTORCH";

    /// <summary>Environment variable naming the folder for patched native library copies.</summary>
    public const string NativeCacheEnvironmentVariable = "PLDISTILL_NATIVE_CACHE";

    /// <summary>
    /// A libtorch folder to load instead of the bundled CPU one; null = the bundled one, unless
    /// <see cref="LibTorchEnvironmentVariable"/> is set.
    /// </summary>
    public string? LibTorchDirectory { get; init; }

    /// <summary>The device to run on.</summary>
    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;

    /// <summary>Intra-op CPU threads for libtorch; null leaves libtorch's default.</summary>
    public int? CpuThreads { get; init; }

    /// <summary>The options with defaults filled in from the environment.</summary>
    public static TorchRuntimeOptions FromEnvironment(DeviceChoice device = DeviceChoice.Auto) => new()
    {
        Device = device,
        LibTorchDirectory = NullIfEmpty(Environment.GetEnvironmentVariable(LibTorchEnvironmentVariable)),
    };

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
