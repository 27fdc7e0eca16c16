using System.Text.Json;
using PLDistill.Audio.Data;
using PLDistill.Audio.Formats;
using PLDistill.Audio.Tests.TestSupport;

namespace PLDistill.Audio.Tests.Data;

/// <summary>Reads manifests written here, beside real WAV files, so neither espeak-ng nor shared data is needed.</summary>
public sealed class PairedCorpusTests : IDisposable
{
    private static readonly PcmFormat Format = new(16_000, 1, SampleEncoding.Int16);

    private readonly string root = Directory.CreateTempSubdirectory("pld-paired-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Reads_every_field_and_resolves_wav_paths_against_the_manifest_folder()
    {
        WriteWav("wav/a.wav", frames: 8_000);
        string manifest = WriteManifest(Line("a", speaker: "espeak:en-us+f3", split: "train", seconds: 0.5));

        var corpus = PairedCorpus.Load(manifest);

        var a = Assert.Single(corpus.Utterances);
        Assert.Equal("a", a.Id);
        Assert.Equal(Path.Combine(root, "wav", "a.wav"), a.WavPath);
        Assert.True(Path.IsPathFullyQualified(a.WavPath));
        Assert.Equal("Sentence a, \"quoted\".", a.Text);
        Assert.Equal("en-us+f3", a.Voice);
        Assert.Equal(160, a.RateWordsPerMinute);
        Assert.Equal(40, a.Pitch);
        Assert.Equal("espeak:en-us+f3", a.Speaker);
        Assert.Equal(PairedSplit.Train, a.Split);
        Assert.Equal(TimeSpan.FromSeconds(0.5), a.Duration);
        Assert.Equal(root, corpus.Root);
        Assert.Equal(manifest, corpus.ManifestPath);
        // The resolved path is the WAV written above, readable by our own reader.
        using var reader = WavReader.Open(File.OpenRead(a.WavPath), a.WavPath);
        Assert.Equal(8_000, TestAudio.ReadAll(reader.ReadFrames, channels: 1).Length);
    }

    [Fact]
    public void A_folder_is_read_through_its_manifest_with_paths_relative_to_it_not_to_the_current_directory()
    {
        WriteWav("corpus/wav/a.wav");
        WriteManifestIn("corpus", Line("a"));
        string folder = Path.Combine(root, "corpus");
        Assert.NotEqual(folder, Directory.GetCurrentDirectory());

        var corpus = PairedCorpus.Load(folder);

        Assert.Equal(Path.Combine(folder, PairedCorpus.ManifestFileName), corpus.ManifestPath);
        Assert.Equal(Path.Combine(folder, "wav", "a.wav"), Assert.Single(corpus.Utterances).WavPath);
    }

    [Fact]
    public void Splits_filter_by_the_manifest_field_in_manifest_order_and_list_their_speakers()
    {
        string[] ids = ["t1", "v1", "t2", "x1", "t3", "x2"];
        foreach (string id in ids)
            WriteWav($"wav/{id}.wav");
        string manifest = WriteManifest(
            Line("t1", speaker: "espeak:en-gb+m3", split: "train", seconds: 1),
            Line("v1", speaker: "espeak:en-gb+f2", split: "valid", seconds: 2),
            Line("t2", speaker: "flite:awb", split: "train", seconds: 3),
            "",
            Line("x1", speaker: "flite:slt", split: "test", seconds: 4),
            Line("t3", speaker: "espeak:en-gb+m3", split: "train", seconds: 5),
            Line("x2", speaker: "espeak:en-us+f5", split: "test", seconds: 6));

        var corpus = PairedCorpus.Load(manifest);

        Assert.Equal(ids, corpus.Utterances.Select(u => u.Id));
        Assert.Equal(["t1", "t2", "t3"], corpus.InSplit(PairedSplit.Train).Select(u => u.Id));
        Assert.Equal(["v1"], corpus.InSplit(PairedSplit.Valid).Select(u => u.Id));
        Assert.Equal(["x1", "x2"], corpus.InSplit(PairedSplit.Test).Select(u => u.Id));
        Assert.Equal(["espeak:en-gb+m3", "flite:awb"], corpus.SpeakersIn(PairedSplit.Train));
        Assert.Equal(["espeak:en-us+f5", "flite:slt"], corpus.SpeakersIn(PairedSplit.Test));
        Assert.Equal(TimeSpan.FromSeconds(21), corpus.TotalDuration);
        Assert.Throws<ArgumentOutOfRangeException>(() => corpus.InSplit((PairedSplit)7));
    }

    [Fact]
    public void Absolute_wav_paths_are_kept()
    {
        string outside = Directory.CreateDirectory(Path.Combine(root, "outside")).FullName;
        WriteWav("outside/abs.wav");
        string manifest = WriteManifestIn("corpus", Line("abs", wav: Path.Combine(outside, "abs.wav")));

        var corpus = PairedCorpus.Load(manifest);

        Assert.Equal(Path.Combine(outside, "abs.wav"), Assert.Single(corpus.Utterances).WavPath);
    }

    [Fact]
    public void A_bad_json_line_is_reported_with_its_line_number()
    {
        WriteWav("wav/a.wav");
        string manifest = WriteManifest(Line("a"), "{\"id\": \"b\", \"wav\": ");

        var error = Assert.Throws<PairedCorpusException>(() => PairedCorpus.Load(manifest));

        AssertNames(error, manifest, 2, PairedCorpusProblem.BadJson, "not valid JSON");
        Assert.IsAssignableFrom<JsonException>(error.InnerException);
    }

    [Fact]
    public void A_json_value_that_is_not_an_object_is_bad_json()
    {
        string manifest = WriteManifest("[1, 2]");

        var error = Assert.Throws<PairedCorpusException>(() => PairedCorpus.Load(manifest));

        AssertNames(error, manifest, 1, PairedCorpusProblem.BadJson, "expected a JSON object");
    }

    [Theory]
    [InlineData("id")]
    [InlineData("wav")]
    [InlineData("text")]
    [InlineData("voice")]
    [InlineData("rate")]
    [InlineData("pitch")]
    [InlineData("speaker")]
    [InlineData("split")]
    [InlineData("seconds")]
    public void A_missing_field_is_named_with_its_line(string field)
    {
        WriteWav("wav/a.wav");
        WriteWav("wav/b.wav");
        string manifest = WriteManifest(Line("a"), "", Without(Line("b"), field));

        var error = Assert.Throws<PairedCorpusException>(() => PairedCorpus.Load(manifest));

        AssertNames(error, manifest, 3, PairedCorpusProblem.MissingField, $"missing field '{field}'");
    }

    [Theory]
    [InlineData("rate", "\"fast\"", "must be a whole number")]
    [InlineData("rate", "0", "must be 1..")]
    [InlineData("pitch", "100", "must be 0..99")]
    [InlineData("pitch", "12.5", "must be a whole number")]
    [InlineData("seconds", "-1", "must be a positive duration")]
    [InlineData("seconds", "\"2.5\"", "must be a number")]
    [InlineData("text", "\"  \"", "field 'text' is empty")]
    [InlineData("speaker", "7", "must be a string")]
    public void An_impossible_value_is_named_with_its_line(string field, string json, string expected)
    {
        WriteWav("wav/a.wav");
        string manifest = WriteManifest(Replace(Line("a"), field, json));

        var error = Assert.Throws<PairedCorpusException>(() => PairedCorpus.Load(manifest));

        AssertNames(error, manifest, 1, PairedCorpusProblem.InvalidField, expected);
    }

    [Fact]
    public void A_missing_wav_is_reported_with_its_resolved_path()
    {
        WriteWav("wav/a.wav");
        string manifest = WriteManifest(Line("a"), Line("gone", speaker: "espeak:en-us+m1"));

        var error = Assert.Throws<PairedCorpusException>(() => PairedCorpus.Load(manifest));

        AssertNames(error, manifest, 2, PairedCorpusProblem.MissingWav, Path.Combine(root, "wav", "gone.wav"));
    }

    [Fact]
    public void A_duplicate_id_names_both_lines()
    {
        WriteWav("wav/a.wav");
        WriteWav("wav/b.wav");
        string manifest = WriteManifest(Line("a"), Line("b"), Line("a", wav: "wav/b.wav"));

        var error = Assert.Throws<PairedCorpusException>(() => PairedCorpus.Load(manifest));

        AssertNames(error, manifest, 3, PairedCorpusProblem.DuplicateId, "duplicate id 'a' (first on line 1)");
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("Train")]
    [InlineData("validation")]
    public void An_unknown_split_is_named_with_its_line(string split)
    {
        WriteWav("wav/a.wav");
        WriteWav("wav/b.wav");
        string manifest = WriteManifest(Line("a"), Line("b", speaker: "espeak:en-us+m1", split: split));

        var error = Assert.Throws<PairedCorpusException>(() => PairedCorpus.Load(manifest));

        AssertNames(error, manifest, 2, PairedCorpusProblem.UnknownSplit, $"unknown split '{split}'");
    }

    [Fact]
    public void A_speaker_on_two_sides_of_the_split_is_refused()
    {
        WriteWav("wav/a.wav");
        WriteWav("wav/b.wav");
        string manifest = WriteManifest(Line("a", speaker: "flite:rms", split: "train"), Line("b", speaker: "flite:rms", split: "test"));

        var error = Assert.Throws<PairedCorpusException>(() => PairedCorpus.Load(manifest));

        AssertNames(error, manifest, 2, PairedCorpusProblem.SpeakerInTwoSplits, "speaker 'flite:rms' is in test here but in train on line 1");
    }

    [Fact]
    public void An_empty_manifest_and_a_missing_one_are_clear_errors()
    {
        string empty = WriteManifest("", "  ");
        var error = Assert.Throws<PairedCorpusException>(() => PairedCorpus.Load(empty));
        Assert.Equal(PairedCorpusProblem.Empty, error.Problem);
        Assert.Equal(0, error.LineNumber);
        Assert.Equal($"{empty}: the manifest holds no utterances", error.Message);

        var missing = Assert.Throws<FileNotFoundException>(() => PairedCorpus.Load(Path.Combine(root, "absent")));
        Assert.Contains(Path.Combine(root, "absent"), missing.Message, StringComparison.Ordinal);
    }

    private static void AssertNames(PairedCorpusException error, string manifest, int line, PairedCorpusProblem problem, string detail)
    {
        Assert.Equal(problem, error.Problem);
        Assert.Equal(line, error.LineNumber);
        Assert.Equal(manifest, error.ManifestPath);
        Assert.StartsWith($"{manifest}:{line}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(detail, error.Detail, StringComparison.Ordinal);
    }

    private static string Line(string id, string? wav = null, string speaker = "espeak:en-us+f3", string split = "train", double seconds = 0.25) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = id,
            ["wav"] = wav ?? $"wav/{id}.wav",
            ["text"] = $"Sentence {id}, \"quoted\".",
            ["voice"] = speaker[(speaker.IndexOf(':', StringComparison.Ordinal) + 1)..],
            ["rate"] = 160,
            ["pitch"] = 40,
            ["speaker"] = speaker,
            ["split"] = split,
            ["seconds"] = seconds,
            ["engine_note"] = "extra fields are ignored",
        });

    private static string Without(string line, string field)
    {
        var fields = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(line)!;
        Assert.True(fields.Remove(field));
        return JsonSerializer.Serialize(fields);
    }

    private static string Replace(string line, string field, string json)
    {
        var fields = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(line)!;
        fields[field] = JsonDocument.Parse(json).RootElement.Clone();
        return JsonSerializer.Serialize(fields);
    }

    private string WriteManifest(params string[] lines) => WriteManifestIn(".", lines);

    private string WriteManifestIn(string folder, params string[] lines)
    {
        string directory = Directory.CreateDirectory(Path.GetFullPath(Path.Combine(root, folder))).FullName;
        string path = Path.Combine(directory, PairedCorpus.ManifestFileName);
        File.WriteAllLines(path, lines);
        return path;
    }

    private void WriteWav(string relative, int frames = 4_000)
    {
        string path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var writer = WavWriter.Create(path, Format);
        writer.WriteFrames(TestAudio.Signal(frames, Format.Channels));
    }
}
