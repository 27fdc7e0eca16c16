using PLDistill.Models.Runtime;
using TorchSharp;

namespace PLDistill.Models.Tests.Runtime;

public sealed class TorchRuntimeTests(TorchFixture fixture)
{
    [Fact]
    public void Libtorch_runs_a_real_computation_on_the_cpu()
    {
        Assert.Equal(DeviceType.CPU, fixture.Runtime.Device.type);
        using var a = KeptScalarOperations.Positions(6, torch.CPU).to(torch.float32).reshape(2, 3);
        using var product = a.matmul(a.T);
        Assert.Equal(new float[] { 5, 14, 14, 50 }, product.data<float>().ToArray());
    }

    [Fact]
    public void The_patched_copy_is_used_exactly_when_the_system_libstdcxx_lacks_the_version()
    {
        bool systemHasVersion = SystemLibStdCxxVersions().Contains(TorchRuntime.MissingGlibcxxVersion);
        Assert.Equal(!systemHasVersion, fixture.Runtime.UsedPatchedCopy);
        if (fixture.Runtime.UsedPatchedCopy)
            Assert.DoesNotContain(".nuget", fixture.Runtime.LibTorchSharpPath, StringComparison.Ordinal);
    }

    [Fact]
    public void Making_the_patched_copy_is_idempotent()
    {
        string original = Path.Combine(AppContext.BaseDirectory, "runtimes/linux-x64/native/libLibTorchSharp.so");
        if (!File.Exists(original))
            Assert.Skip("no bundled libLibTorchSharp.so next to the tests (RID-specific publish)");
        string first = TorchRuntime.EnsurePatchedCopy(original);
        DateTime written = File.GetLastWriteTimeUtc(first);
        string second = TorchRuntime.EnsurePatchedCopy(original);
        Assert.Equal(first, second);
        Assert.Equal(written, File.GetLastWriteTimeUtc(second));
        Assert.NotEqual(File.ReadAllBytes(original), File.ReadAllBytes(first));
    }

    [Fact]
    public void Asking_for_cuda_on_a_cpu_build_is_a_clear_error()
    {
        if (File.Exists(Path.Combine(fixture.Runtime.LibTorchDirectory, "libtorch_cuda.so")))
            Assert.Skip("this libtorch has CUDA; the error path applies to CPU builds only");
        var error = Assert.Throws<TorchRuntimeException>(() => TorchRuntime.Initialize(new TorchRuntimeOptions { Device = DeviceChoice.Cuda }));
        Assert.Contains("CPU build", error.Message, StringComparison.Ordinal);
        Assert.Contains(TorchRuntimeOptions.LibTorchEnvironmentVariable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_libtorch_folder_after_loading_is_refused()
    {
        var error = Assert.Throws<TorchRuntimeException>(() =>
            TorchRuntime.Initialize(new TorchRuntimeOptions { LibTorchDirectory = "/nonexistent/torch/lib", Device = DeviceChoice.Cpu }));
        Assert.Contains("already loaded", error.Message, StringComparison.Ordinal);
    }

    private static HashSet<string> SystemLibStdCxxVersions()
    {
        string[] candidates = ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6"];
        string? path = candidates.FirstOrDefault(File.Exists);
        if (path is null)
            return [];
        string text = System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(path));
        return System.Text.RegularExpressions.Regex.Matches(text, @"GLIBCXX_\d+\.\d+(\.\d+)?").Select(m => m.Value).ToHashSet();
    }
}
