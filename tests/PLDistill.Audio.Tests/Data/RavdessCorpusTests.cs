using PLDistill.Audio.Data;
using PLDistill.Audio.Tests.TestSupport;

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
    public async Task Folder_links_that_loop_are_entered_once_and_a_file_reached_twice_counts_once()
    {
        // corpus/ holds one clip; its links reach corpus/ again (self, and ../self/Actor_01 from inside), corpus/'s
        // parent (up), which holds corpus/, and the clip itself under a second name.
        string corpus = Path.Combine(root, "corpus");
        string clip = Path.Combine(corpus, "Actor_01", "03-01-02-01-01-01-01.wav");
        Directory.CreateDirectory(Path.GetDirectoryName(clip)!);
        File.WriteAllBytes(clip, WavBytes.SimplePcm16(0, 100, -100, 0));
        Directory.CreateSymbolicLink(Path.Combine(corpus, "self"), ".");
        Directory.CreateSymbolicLink(Path.Combine(corpus, "up"), "..");
        // Resolved by text (Path.GetFullPath), this names corpus/Actor_01 by a longer path at each visit.
        Directory.CreateSymbolicLink(Path.Combine(corpus, "Actor_01", "deeper"), "../self/Actor_01");
        Directory.CreateDirectory(Path.Combine(corpus, "links"));
        File.CreateSymbolicLink(Path.Combine(corpus, "links", "03-01-02-01-01-02-01.wav"), clip);

        var scan = Task.Run(() => RavdessCorpus.Scan(corpus), TestContext.Current.CancellationToken);
        var corpusFound = await scan.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        var only = Assert.Single(corpusFound.Clips);
        Assert.Equal(clip, only.Path);
        Assert.Equal(Emotion.Calm, only.Emotion);
        Assert.Empty(corpusFound.Skipped);
    }

    [Fact]
    public void Actor_folders_and_clips_that_are_links_are_scanned_under_the_names_they_are_found_at()
    {
        // An evaluation folder built from links to the held-out actors' folders, or to single clips.
        string real = Path.Combine(root, "ravdess");
        string clip17 = Path.Combine(real, "Actor_17", "03-01-05-01-01-01-17.wav");
        string clip18 = Path.Combine(real, "Actor_18", "03-01-04-01-01-01-18.wav");
        foreach (string clip in new[] { clip17, clip18 })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(clip)!);
            File.WriteAllBytes(clip, WavBytes.SimplePcm16(0, 100, -100, 0));
        }
        string evaluation = Path.Combine(root, "eval");
        Directory.CreateDirectory(Path.Combine(evaluation, "Actor_18"));
        Directory.CreateSymbolicLink(Path.Combine(evaluation, "Actor_17"), Path.Combine(real, "Actor_17"));
        File.CreateSymbolicLink(Path.Combine(evaluation, "Actor_18", Path.GetFileName(clip18)), clip18);

        var corpus = RavdessCorpus.Scan(evaluation);

        Assert.Equal([17, 18], corpus.Clips.Select(c => c.Actor));
        Assert.Equal([Emotion.Angry, Emotion.Sad], corpus.Clips.Select(c => c.Emotion));
        Assert.Equal(Path.Combine(evaluation, "Actor_17", Path.GetFileName(clip17)), corpus.Clips[0].Path);
        Assert.Equal(Path.Combine(evaluation, "Actor_18", Path.GetFileName(clip18)), corpus.Clips[1].Path);
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
