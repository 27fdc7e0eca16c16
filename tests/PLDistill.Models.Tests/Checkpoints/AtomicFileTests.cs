using PLDistill.Models.Checkpoints;

namespace PLDistill.Models.Tests.Checkpoints;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("pld-atomic-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void A_write_replaces_the_file_whole_and_a_failed_one_leaves_it_as_it_was_with_nothing_behind()
    {
        string path = Path.Combine(folder, "state.json");
        AtomicFile.Write(path, temporary => File.WriteAllText(temporary, "old"));

        var failure = Assert.Throws<IOException>(() => AtomicFile.Write(path, temporary =>
        {
            File.WriteAllText(temporary, "half of the new");
            throw new IOException("No space left on device");
        }));
        AtomicFile.Write(Path.Combine(folder, "other.json"), temporary => File.WriteAllText(temporary, "new"));

        Assert.Equal("No space left on device", failure.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal("new", File.ReadAllText(Path.Combine(folder, "other.json")));
        Assert.Equal(["other.json", "state.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
    }
}
