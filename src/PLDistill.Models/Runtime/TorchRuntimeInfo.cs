using TorchSharp;

namespace PLDistill.Models.Runtime;

/// <summary>What <see cref="TorchRuntime.Initialize"/> loaded and chose.</summary>
/// <param name="Device">The device models and features run on.</param>
/// <param name="LibTorchDirectory">The folder libtorch was loaded from.</param>
/// <param name="LibTorchSharpPath">The <c>libLibTorchSharp</c> actually loaded (a patched copy on Debian 12).</param>
/// <param name="UsedPatchedCopy">True when the system libstdc++ was too old and the patched copy was used.</param>
/// <param name="AllocatorTuned">True when glibc malloc's thresholds were fixed (<see cref="NativeAllocatorTuning"/>).</param>
public sealed record TorchRuntimeInfo(torch.Device Device, string LibTorchDirectory, string LibTorchSharpPath, bool UsedPatchedCopy,
                                      bool AllocatorTuned)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"device={Device.type.ToString().ToLowerInvariant()} libtorch={LibTorchDirectory}" +
        (UsedPatchedCopy ? $" (libLibTorchSharp patched copy: {LibTorchSharpPath})" : "") +
        (AllocatorTuned ? " malloc=tuned" : "");
}
