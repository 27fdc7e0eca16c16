using PLDistill.Models.Runtime;

namespace PLDistill.Models.Tests.Runtime;

public sealed class ElfVersionRequirementPatcherTests(TorchFixture torch)
{
    private byte[] BundledBridge()
    {
        string original = Path.Combine(Path.GetDirectoryName(torch.Runtime.LibTorchSharpPath)!, "libLibTorchSharp.so");
        string shipped = File.Exists(Path.Combine(AppContext.BaseDirectory, "runtimes/linux-x64/native/libLibTorchSharp.so"))
            ? Path.Combine(AppContext.BaseDirectory, "runtimes/linux-x64/native/libLibTorchSharp.so")
            : original;
        return File.ReadAllBytes(shipped);
    }

    [Fact]
    public void Marks_exactly_the_named_requirement_and_changes_nothing_else()
    {
        byte[] original = BundledBridge();
        byte[] patched = (byte[])original.Clone();

        int weak = ElfVersionRequirementPatcher.MarkWeak(patched, TorchRuntime.MissingGlibcxxVersion);

        Assert.Equal(1, weak);
        int changedBytes = original.Zip(patched).Count(pair => pair.First != pair.Second);
        Assert.InRange(changedBytes, 0, 1); // one flags byte (0 if the shipped file were already weak)
        Assert.Equal(original.Length, patched.Length);
    }

    [Fact]
    public void Patching_twice_gives_the_same_bytes()
    {
        byte[] once = BundledBridge();
        ElfVersionRequirementPatcher.MarkWeak(once, TorchRuntime.MissingGlibcxxVersion);
        byte[] twice = (byte[])once.Clone();
        ElfVersionRequirementPatcher.MarkWeak(twice, TorchRuntime.MissingGlibcxxVersion);
        Assert.Equal(once, twice);
    }

    [Fact]
    public void A_version_the_library_does_not_need_is_reported_as_absent()
    {
        byte[] image = BundledBridge();
        Assert.Equal(0, ElfVersionRequirementPatcher.MarkWeak(image, "GLIBCXX_9.9.99"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(63)]
    public void Truncated_or_foreign_bytes_give_InvalidDataException(int length)
    {
        var bytes = new byte[length];
        Assert.Throws<InvalidDataException>(() => ElfVersionRequirementPatcher.MarkWeak(bytes, "GLIBCXX_3.4.32"));
    }

    [Fact]
    public void A_truncated_real_library_gives_InvalidDataException_not_a_crash()
    {
        byte[] image = BundledBridge();
        // Keep the ELF header but cut the section table off.
        var cut = image.AsSpan(0, 4096).ToArray();
        Assert.Throws<InvalidDataException>(() => ElfVersionRequirementPatcher.MarkWeak(cut, "GLIBCXX_3.4.32"));
    }
}
