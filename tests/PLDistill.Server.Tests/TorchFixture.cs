using PLDistill.Models.Runtime;

[assembly: AssemblyFixture(typeof(PLDistill.Server.Tests.TorchFixture))]

namespace PLDistill.Server.Tests;

/// <summary>Loads libtorch once for the whole test assembly, on the CPU (CI has no GPU). xunit creates assembly fixtures before any test runs.</summary>
public sealed class TorchFixture
{
    public TorchFixture() => Runtime = TorchRuntime.Initialize(new TorchRuntimeOptions { Device = DeviceChoice.Cpu });

    public TorchRuntimeInfo Runtime { get; }
}
