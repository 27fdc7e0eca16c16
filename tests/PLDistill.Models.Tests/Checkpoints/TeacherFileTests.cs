using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using static TorchSharp.torch;

namespace PLDistill.Models.Tests.Checkpoints;

/// <summary>Teacher files: one checkpoint, or an ensemble manifest whose members must agree.</summary>
public sealed class TeacherFileTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("pld-teacher-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static readonly LalmConfig Small = new()
    {
        Encoder = new EncoderConfig { Width = 32, Heads = 4, Layers = 1, LeftContextFrames = 20, Dropout = 0 },
        LanguageModel = new LanguageModelConfig { Width = 32, Heads = 4, Layers = 1, AudioWindow = 40, Dropout = 0 },
    };

    private string Member(string name, int seed, string labelSet = "ravdess8")
    {
        manual_seed(seed);
        using var model = new AudioLanguageModel(Small);
        string path = Path.Combine(folder, name);
        CheckpointFile.Save(path, model, new CheckpointMetadata
        {
            Role = "teacher",
            Model = Small,
            Features = new LogMelOptions(),
            LabelSet = labelSet,
            Vocabulary = TextVocabulary.Default.Tokens,
            PromptPrefix = TextVocabulary.DefaultPrefix,
            PromptSuffix = TextVocabulary.DefaultSuffix,
            Streaming = new StreamingParameters(),
        });
        return path;
    }

    private string Manifest(string json)
    {
        string path = Path.Combine(folder, "teacher.pldens");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void A_manifest_loads_its_members_in_order_and_a_checkpoint_is_an_ensemble_of_one()
    {
        Member("a.pldckpt", 1);
        Member("b.pldckpt", 2);
        string manifest = Path.Combine(folder, "teacher.pldens");
        TeacherFile.WriteManifest(manifest, ["a.pldckpt", "b.pldckpt"]);

        var (teacher, metadata) = TeacherFile.Load(manifest);
        using (teacher)
        {
            Assert.Equal(2, teacher.Members.Count);
            Assert.Equal("ravdess8", metadata.LabelSet);
            var (single, _) = CheckpointFile.Load(Path.Combine(folder, "b.pldckpt"));
            using (single)
                Assert.True(single.Encoder.Blocks[0].parameters().First().eq(teacher.Members[1].Encoder.Blocks[0].parameters().First()).all().item<bool>());
        }
        var (one, _) = TeacherFile.Load(Path.Combine(folder, "a.pldckpt"));
        using (one)
            Assert.Single(one.Members);
    }

    [Theory]
    [InlineData("""{"format": "pldistill-ensemble", "version": 1, "members": ["a.pldckpt", "missing.pldckpt"]}""", "'missing.pldckpt' not found")]
    [InlineData("""{"format": "pldistill-ensemble", "version": 1, "members": ["a.pldckpt", "a.pldckpt"]}""", "listed twice")]
    [InlineData("""{"format": "pldistill-ensemble", "version": 1, "members": ["/tmp/a.pldckpt"]}""", "must be relative")]
    [InlineData("""{"format": "pldistill-ensemble", "version": 1, "members": ["../../../../../../dev/zero"]}""", "lies outside the manifest's folder")]
    [InlineData("""{"format": "pldistill-ensemble", "version": 1, "members": []}""", "non-empty list")]
    [InlineData("""{"format": "pldistill-ensemble", "version": 2, "members": ["a.pldckpt"]}""", "manifest version 2")]
    [InlineData("""{"format": "other", "version": 1, "members": ["a.pldckpt"]}""", "format is 'other'")]
    [InlineData("""{"format": "pldistill-ensemble", "version": 1, "members": ["a.pldckpt"], "weights": [1]}""", "unknown key 'weights'")]
    [InlineData("""{"format": "pldistill-ensemble", "version": 1, "members": [3]}""", "must be a path")]
    [InlineData("""["a.pldckpt"]""", "one JSON object")]
    [InlineData("""{"format": "pldistill-ensemble",""", "not JSON")]
    [InlineData("""{"format": "pldistill-ensemble", "version": 1, "members": ["a.pldckpt", "four.pldckpt"]}""", "in its label set")]
    public void A_bad_manifest_is_refused_with_a_message_that_names_the_problem(string json, string expected)
    {
        Member("a.pldckpt", 1);
        Member("four.pldckpt", 2, labelSet: "ravdess4");
        string manifest = Manifest(json);
        var error = Assert.Throws<CheckpointException>(() => TeacherFile.Load(manifest));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(manifest, error.Path);
    }

    [Fact]
    public void Writing_an_ensemble_copies_its_members_and_never_overwrites_one_it_has_not_read()
    {
        string a = Member("a.pldckpt", 1), b = Member("b.pldckpt", 2);
        string manifest = Path.Combine(folder, "out", "t.pldens");
        Assert.Equal(["t-1.pldckpt", "t-2.pldckpt"], TeacherFile.WriteEnsemble(manifest, [a, b], WeightPrecision.Float16).Members);
        Assert.Equal(2, TeacherFile.Load(manifest).Teacher.Members.Count);

        // Adding a member in front of the ensemble's own copies: writing t-1 would overwrite the copy still to be read.
        string c = Member("c.pldckpt", 3);
        string[] members = [c, Path.Combine(folder, "out", "t-1.pldckpt"), Path.Combine(folder, "out", "t-2.pldckpt")];
        byte[] before = File.ReadAllBytes(members[1]);
        var error = Assert.Throws<ArgumentException>(() => TeacherFile.WriteEnsemble(manifest, members, WeightPrecision.Float16));
        Assert.Contains("t-1.pldckpt would be overwritten by the ensemble's t-1.pldckpt", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(members[1]));   // refused before anything was written
        Assert.Throws<ArgumentException>(() => TeacherFile.WriteEnsemble(Path.Combine(folder, "x.pldckpt"), [a], WeightPrecision.Float16));
        Assert.Throws<ArgumentException>(() => TeacherFile.WriteEnsemble(Path.Combine(folder, "y.pldens"), [a, a], WeightPrecision.Float16));
    }

    [Fact]
    public void Rebuilding_an_ensemble_with_fewer_members_removes_the_old_members_it_no_longer_lists_and_nothing_else()
    {
        string a = Member("a.pldckpt", 1), b = Member("b.pldckpt", 2), c = Member("c.pldckpt", 3);
        string manifest = Path.Combine(folder, "out", "t.pldens");
        string outFolder = Path.GetDirectoryName(manifest)!;
        Assert.Empty(TeacherFile.WriteEnsemble(manifest, [a, b, c], WeightPrecision.Float16).RemovedStaleMembers);
        File.WriteAllText(Path.Combine(outFolder, "t-9.pldckpt"), "a file of the user's that no manifest listed");

        var files = TeacherFile.WriteEnsemble(manifest, [c], WeightPrecision.Float16);

        Assert.Equal(["t-1.pldckpt"], files.Members);
        Assert.Equal([Path.Combine(outFolder, "t-2.pldckpt"), Path.Combine(outFolder, "t-3.pldckpt")], files.RemovedStaleMembers);
        Assert.Equal(["t-1.pldckpt", "t-9.pldckpt", "t.pldens"], Directory.GetFiles(outFolder).Select(Path.GetFileName).Order());
        Assert.Single(TeacherFile.Load(manifest).Teacher.Members);
    }

    [Fact]
    public void A_failed_ensemble_write_leaves_the_ensemble_of_that_name_as_it_was()
    {
        string a = Member("a.pldckpt", 1), b = Member("b.pldckpt", 2);
        string manifest = Path.Combine(folder, "out", "t.pldens");
        TeacherFile.WriteEnsemble(manifest, [a, b], WeightPrecision.Float16);
        string outFolder = Path.GetDirectoryName(manifest)!;
        var before = Directory.GetFiles(outFolder).ToDictionary(f => f, File.ReadAllBytes);

        // A good first member, then one that is no checkpoint; then members that disagree; then a member name taken by a folder.
        string junk = Path.Combine(folder, "readme.txt");
        File.WriteAllText(junk, "not a checkpoint");
        string other = Member("other-labels.pldckpt", 3, labelSet: "ravdess4");
        Assert.Throws<CheckpointException>(() => TeacherFile.WriteEnsemble(manifest, [Member("c.pldckpt", 4), junk], WeightPrecision.Float16));
        var disagreeing = Assert.Throws<CheckpointException>(() => TeacherFile.WriteEnsemble(manifest, [a, other], WeightPrecision.Float16));
        Assert.Contains("label set", disagreeing.Message, StringComparison.Ordinal);
        Directory.CreateDirectory(Path.Combine(outFolder, "t-3.pldckpt"));
        var folderInTheWay = Assert.Throws<ArgumentException>(() => TeacherFile.WriteEnsemble(manifest, [a, b, Member("d.pldckpt", 5)], WeightPrecision.Float16));
        Assert.Contains("is a folder", folderInTheWay.Message, StringComparison.Ordinal);

        Assert.Equal(before.Keys.Order(), Directory.GetFiles(outFolder).Order());   // no staged or temporary file left
        foreach (var (file, bytes) in before)
            Assert.Equal(bytes, File.ReadAllBytes(file));
    }

    [Fact]
    public void A_checkpoint_is_never_written_over_a_folder_and_a_failed_write_leaves_no_temporary_file()
    {
        string a = Member("a.pldckpt", 1);
        var (model, metadata) = CheckpointFile.Load(a);
        using (model)
        {
            string taken = Directory.CreateDirectory(Path.Combine(folder, "taken.pldckpt")).FullName;
            var onFolder = Assert.Throws<IOException>(() => CheckpointFile.Save(taken, model, metadata));
            Assert.Contains("is a folder", onFolder.Message, StringComparison.Ordinal);

            string blocker = Path.Combine(folder, "plain-file");
            File.WriteAllText(blocker, "");
            var underFile = Assert.Throws<IOException>(() => CheckpointFile.Save(Path.Combine(blocker, "x.pldckpt"), model, metadata));
            Assert.Contains(Path.Combine(blocker, "x.pldckpt"), underFile.Message, StringComparison.Ordinal);
        }
        Assert.Empty(Directory.GetFiles(folder, "*.tmp", SearchOption.AllDirectories));
    }
}
