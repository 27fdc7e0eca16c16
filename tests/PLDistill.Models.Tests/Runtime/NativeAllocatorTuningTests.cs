using System.Runtime.InteropServices;
using PLDistill.Models.Runtime;

namespace PLDistill.Models.Tests.Runtime;

public sealed class NativeAllocatorTuningTests(TorchFixture fixture)
{
    [Fact]
    public void The_runtime_tunes_glibc_malloc_unless_the_user_tunes_it()
    {
        bool userTunes = NativeAllocatorTuning.UserSettings.Any(name => Environment.GetEnvironmentVariable(name) is not null);
        Assert.Equal(IsGlibc() && !userTunes, fixture.Runtime.AllocatorTuned);
        Assert.Equal(fixture.Runtime.AllocatorTuned, fixture.Runtime.ToString().Contains("malloc=tuned", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("MALLOC_MMAP_THRESHOLD_")]
    [InlineData("MALLOC_TRIM_THRESHOLD_")]
    [InlineData("GLIBC_TUNABLES")]
    public void A_users_own_malloc_setting_is_left_alone(string setting)
    {
        Assert.False(NativeAllocatorTuning.Apply(name => name == setting ? "1048576" : null));
        Assert.Equal(IsGlibc(), NativeAllocatorTuning.Apply(_ => null));   // without one, tuning applies (again: it is idempotent)
    }

    private static bool IsGlibc() =>
        OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out var libc) && NativeLibrary.TryGetExport(libc, "gnu_get_libc_version", out _);
}
