using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TorchSharp;

namespace PLDistill.Models.Runtime;

/// <summary>
/// Loads libtorch and TorchSharp's native bridge once per process, on any Linux, and picks the device.
/// Call <see cref="Initialize"/> before the first TorchSharp call (the CLI and the tests do).
/// </summary>
/// <remarks>
/// Order matters. We preload libtorch from the chosen folder (bundled CPU build, or a CUDA PyTorch
/// <c>torch/lib</c>), then <c>libLibTorchSharp.so</c>. Where the system libstdc++ is too old for it
/// (Debian 12), we load a copy whose <c>GLIBCXX_3.4.32</c> requirement is marked weak
/// (<see cref="ElfVersionRequirementPatcher"/>). TorchSharp's own loader then finds every library
/// already in the process by its SONAME and never falls back to copying 600 MB of natives.
/// </remarks>
public static class TorchRuntime
{
    /// <summary>The libstdc++ symbol version TorchSharp 0.107 asks for and Debian 12 lacks.</summary>
    public const string MissingGlibcxxVersion = "GLIBCXX_3.4.32";

    private const string BridgeLibrary = "libLibTorchSharp.so";

    // libtorch's own dependency order; the CUDA pair is present only in CUDA builds.
    private static readonly string[] LibTorchLoadOrder =
        ["libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"];
    private static readonly string[] RequiredLibTorchFiles = ["libc10.so", "libtorch_cpu.so", "libtorch.so"];

    private static readonly Lock Gate = new();
    private static TorchRuntimeInfo? current;

    /// <summary>The loaded runtime; initialises from the environment (device auto) on first use.</summary>
    public static TorchRuntimeInfo Current
    {
        get
        {
            lock (Gate)
                return current ??= Load(TorchRuntimeOptions.FromEnvironment());
        }
    }

    /// <summary>
    /// Loads the native libraries and selects the device. A second call with the same libtorch folder returns the
    /// existing runtime (switching the device between CPU and an available GPU is allowed); another folder is an error,
    /// because a process can hold only one libtorch.
    /// </summary>
    /// <exception cref="TorchRuntimeException">A library is missing or fails to load, or CUDA was asked for and is absent.</exception>
    public static TorchRuntimeInfo Initialize(TorchRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (Gate)
        {
            if (current is null)
                return current = Load(options);

            string? wanted = options.LibTorchDirectory ?? TorchRuntimeOptions.FromEnvironment().LibTorchDirectory;
            if (wanted is not null && !SameDirectory(wanted, current.LibTorchDirectory))
                throw new TorchRuntimeException(
                    $"libtorch is already loaded from {current.LibTorchDirectory}; one process cannot switch to {wanted}");
            current = current with { Device = SelectDevice(options.Device, current.LibTorchDirectory) };
            ApplyThreads(options.CpuThreads);
            return current;
        }
    }

    private static TorchRuntimeInfo Load(TorchRuntimeOptions options)
    {
        string bundledDirectory = FindBundledNativeDirectory();
        string libTorchDirectory = Path.GetFullPath(options.LibTorchDirectory ?? bundledDirectory);

        string bridgePath = Path.Combine(bundledDirectory, BridgeLibrary);
        bool patched = false;
        bool allocatorTuned = NativeAllocatorTuning.Apply();   // before libtorch allocates
        if (OperatingSystem.IsLinux())
        {
            PreloadLibTorch(libTorchDirectory);
            (bridgePath, patched) = LoadBridge(bridgePath);
        }

        var device = SelectDevice(options.Device, libTorchDirectory);
        ApplyThreads(options.CpuThreads);
        return new TorchRuntimeInfo(device, libTorchDirectory, bridgePath, patched, allocatorTuned);
    }

    private static void PreloadLibTorch(string directory)
    {
        if (!Directory.Exists(directory))
            throw new TorchRuntimeException($"libtorch folder {directory} does not exist (set by --libtorch, " +
                                            $"{TorchRuntimeOptions.LibTorchEnvironmentVariable} or runtime.libtorch)");
        foreach (string required in RequiredLibTorchFiles)
        {
            if (!File.Exists(Path.Combine(directory, required)))
                throw new TorchRuntimeException($"libtorch folder {directory} has no {required}; " +
                                                "point it at a folder such as <site-packages>/torch/lib");
        }

        foreach (string library in LibTorchLoadOrder)
        {
            string path = Path.Combine(directory, library);
            if (!File.Exists(path))
                continue;
            try
            {
                NativeLibrary.Load(path);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                throw new TorchRuntimeException($"cannot load {path}: {e.Message}", e);
            }
        }
    }

    /// <summary>Loads the TorchSharp bridge as shipped, or, where libstdc++ is too old, a patched copy.</summary>
    private static (string Path, bool Patched) LoadBridge(string originalPath)
    {
        if (!File.Exists(originalPath))
            throw new TorchRuntimeException($"TorchSharp's native bridge {originalPath} is missing; rebuild the project");
        try
        {
            NativeLibrary.Load(originalPath);
            return (originalPath, false);
        }
        catch (DllNotFoundException original) when (original.Message.Contains(MissingGlibcxxVersion, StringComparison.Ordinal))
        {
            string copy = EnsurePatchedCopy(originalPath);
            try
            {
                NativeLibrary.Load(copy);
                return (copy, true);
            }
            catch (DllNotFoundException again)
            {
                throw new TorchRuntimeException(
                    $"cannot load TorchSharp's native bridge: {original.Message}; the patched copy {copy} failed too: {again.Message}", again);
            }
        }
        catch (DllNotFoundException other)
        {
            throw new TorchRuntimeException($"cannot load TorchSharp's native bridge: {other.Message}", other);
        }
    }

    /// <summary>
    /// Writes (once) a copy of the bridge with the missing version requirement made weak, into a per-user cache
    /// folder keyed by the original's hash. Never touches the original or the NuGet cache.
    /// </summary>
    internal static string EnsurePatchedCopy(string originalPath)
    {
        byte[] image = File.ReadAllBytes(originalPath);
        string key = Convert.ToHexStringLower(SHA256.HashData(image))[..16];
        if (ElfVersionRequirementPatcher.MarkWeak(image, MissingGlibcxxVersion) == 0)
            throw new TorchRuntimeException($"{originalPath} does not require {MissingGlibcxxVersion}; cannot repair it");

        string folder = Path.Combine(NativeCacheRoot(), key);
        string copy = Path.Combine(folder, BridgeLibrary);
        if (File.Exists(copy) && File.ReadAllBytes(copy).AsSpan().SequenceEqual(image))
            return copy;

        Directory.CreateDirectory(folder);
        // Write then rename, so a concurrent process never loads a half-written file.
        string temporary = Path.Combine(folder, $"{BridgeLibrary}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(temporary, image);
        File.Move(temporary, copy, overwrite: true);
        return copy;
    }

    private static string NativeCacheRoot()
    {
        string? explicitRoot = Environment.GetEnvironmentVariable(TorchRuntimeOptions.NativeCacheEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(explicitRoot))
            return explicitRoot;
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string cacheHome = !string.IsNullOrWhiteSpace(xdg) ? xdg
            : !string.IsNullOrEmpty(home) ? Path.Combine(home, ".cache")
            : Path.GetTempPath();
        return Path.Combine(cacheHome, "pldistill", "native");
    }

    /// <summary>The folder with the bundled natives: <c>runtimes/linux-x64/native</c> after build, the app folder after a RID publish.</summary>
    private static string FindBundledNativeDirectory()
    {
        string rid = RuntimeInformation.RuntimeIdentifier.StartsWith("linux", StringComparison.Ordinal) ? "linux-x64" : RuntimeInformation.RuntimeIdentifier;
        var roots = new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? AppContext.BaseDirectory };
        foreach (string root in roots.Distinct())
        {
            foreach (string candidate in new[] { Path.Combine(root, "runtimes", rid, "native"), root })
            {
                if (File.Exists(Path.Combine(candidate, BridgeLibrary)))
                    return Path.GetFullPath(candidate);
            }
        }
        if (!OperatingSystem.IsLinux())
            return AppContext.BaseDirectory;
        throw new TorchRuntimeException($"cannot find {BridgeLibrary} under {string.Join(" or ", roots.Distinct())}; rebuild the project");
    }

    // Kept out of Load so that TorchSharp's static constructor runs only after the preloads above.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static torch.Device SelectDevice(DeviceChoice choice, string libTorchDirectory)
    {
        bool hasCudaBuild = File.Exists(Path.Combine(libTorchDirectory, "libtorch_cuda.so"));
        if (choice == DeviceChoice.Cpu || (choice == DeviceChoice.Auto && !hasCudaBuild))
            return torch.CPU;

        if (!hasCudaBuild)
            throw new TorchRuntimeException(
                $"--device cuda: the libtorch in {libTorchDirectory} is a CPU build. Point {TorchRuntimeOptions.LibTorchEnvironmentVariable} " +
                "(or --libtorch, or runtime.libtorch) at a CUDA PyTorch install's torch/lib");
        try
        {
            torch.InitializeDeviceType(DeviceType.CUDA);
        }
        catch (Exception e) when (choice == DeviceChoice.Auto)
        {
            _ = e; // auto falls back to CPU; the reason is visible with --device cuda
            return torch.CPU;
        }
        catch (Exception e)
        {
            throw new TorchRuntimeException($"--device cuda: CUDA initialisation failed: {e.Message}", e);
        }
        if (torch.cuda.is_available())
            return torch.CUDA;
        if (choice == DeviceChoice.Auto)
            return torch.CPU;
        throw new TorchRuntimeException("--device cuda: libtorch has CUDA support but no GPU is visible");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ApplyThreads(int? threads)
    {
        if (threads is { } n)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(n, 1, "CpuThreads");
            torch.set_num_threads(n);
        }
    }

    private static bool SameDirectory(string a, string b) =>
        string.Equals(Path.GetFullPath(a).TrimEnd('/'), Path.GetFullPath(b).TrimEnd('/'), StringComparison.Ordinal);
}
