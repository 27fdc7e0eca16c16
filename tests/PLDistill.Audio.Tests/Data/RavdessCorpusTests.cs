using PLDistill.Audio.Data;

namespace PLDistill.Audio.Tests.Data;

public sealed class RavdessCorpusTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("pld-ravdess-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Scans_recursively_orders_by_actor_and_reports_skipped_files()
    {
        Touch("Actor_02/03-01-04-01-01-01-02.wav");
        Touch("Actor_01/03-01-05-02-01-02-01.wav");
        Touch("Actor_01/nested/03-01-01-01-01-01-01.WAV");
        Touch("Actor_01/notes.wav");
        Touch("Actor_01/03-01-05-02-01-02-01.txt");

        var corpus = RavdessCorpus.Scan(root);

        Assert.Equal([1, 1, 2], corpus.Clips.Select(c => c.Actor));
        Assert.Equal(Emotion.Neutral, corpus.Clips[0].Emotion);
        Assert.Single(corpus.Skipped);
        Assert.Contains("notes.wav", corpus.Skipped[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_folder_is_a_clear_error()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => RavdessCorpus.Scan(Path.Combine(root, "absent")));
        Assert.Contains("absent", error.Message, StringComparison.Ordinal);
    }

    private void Touch(string relative)
    {
        string path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, []);
    }
}
