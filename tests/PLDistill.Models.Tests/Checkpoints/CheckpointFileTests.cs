using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Models.Tests.Checkpoints;

public sealed class CheckpointFileTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("pld-ckpt-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static CheckpointMetadata Metadata(LalmConfig config) => new()
    {
        Role = "student",
        Model = config,
        Features = new LogMelOptions(),
        LabelSet = "ravdess8",
        Vocabulary = TextVocabulary.Default.Tokens,
        PromptPrefix = TextVocabulary.DefaultPrefix,
        PromptSuffix = TextVocabulary.DefaultSuffix,
        Streaming = new StreamingParameters(),
        Training = new Dictionary<string, string> { ["seed"] = "42" },
    };

    private (string Path, AudioLanguageModel Model) SaveStudent(WeightPrecision precision = WeightPrecision.Float32)
    {
        manual_seed(3);
        var model = new AudioLanguageModel(LalmConfig.Student);
        model.eval();
        model.Encoder.SetNormalization(ones(80).Times(0.5), ones(80).Times(2));
        string path = Path.Combine(folder, $"student-{precision}.pldckpt");
        CheckpointFile.Save(path, model, Metadata(LalmConfig.Student), precision);
        return (path, model);
    }

    [Fact]
    public void Round_trip_restores_weights_normalisation_and_metadata_exactly()
    {
        var (path, original) = SaveStudent();
        var (loaded, metadata) = CheckpointFile.Load(path);
        Assert.Equal(LalmConfig.Student, metadata.Model);
        Assert.Equal("42", metadata.Training["seed"]);
        Assert.Equal(new StreamingParameters(), metadata.Streaming);

        using var mel = randn(1, 200, 80);
        using var lengths = tensor(new long[] { 200 });
        using var a = original.Forward(mel, lengths);
        using var b = loaded.Forward(mel, lengths);
        Assert.True(a.Logits.allclose(b.Logits, rtol: 0, atol: 0));
    }

    [Fact]
    public void Half_precision_halves_the_file_and_stays_close()
    {
        var (full32, original) = SaveStudent(WeightPrecision.Float32);
        string half16 = Path.Combine(folder, "same-model-half.pldckpt");
        CheckpointFile.Save(half16, original, Metadata(LalmConfig.Student), WeightPrecision.Float16);
        Assert.InRange(new FileInfo(half16).Length, new FileInfo(full32).Length * 0.45, new FileInfo(full32).Length * 0.55);
        var (loaded, _) = CheckpointFile.Load(half16);
        using var mel = randn(1, 200, 80);
        using var lengths = tensor(new long[] { 200 });
        using var a = original.Forward(mel, lengths);
        using var b = loaded.Forward(mel, lengths);
        Assert.True((a.AnswerLogits - b.AnswerLogits).abs().max().item<float>() < 0.05f);
    }

    [Fact]
    public void Truncation_anywhere_is_refused_with_a_clear_message()
    {
        var (path, _) = SaveStudent();
        byte[] bytes = File.ReadAllBytes(path);
        string cut = Path.Combine(folder, "cut.pldckpt");
        foreach (int length in new[] { 0, 3, 8, 11, 16, 100, bytes.Length / 2, bytes.Length - 33, bytes.Length - 1 })
        {
            File.WriteAllBytes(cut, bytes[..length]);
            var error = Assert.Throws<CheckpointException>(() => CheckpointFile.Load(cut));
            Assert.Contains("cut.pldckpt", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_flipped_byte_is_detected_by_the_content_hash()
    {
        var (path, _) = SaveStudent();
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<CheckpointException>(() => CheckpointFile.Load(path));
        Assert.Contains("content hash", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A checkpoint's bytes with its metadata JSON rewritten by <paramref name="edit"/> and the hash recomputed.</summary>
    private static byte[] WithMetadata(byte[] bytes, Func<string, string> edit)
    {
        int jsonLength = BitConverter.ToInt32(bytes, 12);
        byte[] body = System.Text.Encoding.UTF8.GetBytes(edit(System.Text.Encoding.UTF8.GetString(bytes, 16, jsonLength)));
        return Rehashed([.. bytes[..12], .. BitConverter.GetBytes(body.Length), .. body, .. bytes[(16 + jsonLength)..]]);
    }

    /// <summary><paramref name="bytes"/> with the content hash at their end made to match them again.</summary>
    private static byte[] Rehashed(byte[] bytes)
    {
        System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)).CopyTo(bytes, bytes.Length - 32);
        return bytes;
    }

    [Theory]
    [InlineData("json length")]
    [InlineData("tensor count")]
    [InlineData("tensor size")]
    [InlineData("null model")]
    [InlineData("model width")]
    public void A_hostile_file_with_a_valid_hash_is_refused_before_anything_is_allocated_for_it(string lie)
    {
        // The content hash proves a file whole, not honest: anyone can compute it. Sizes in the file are checked against
        // the bytes it holds, so a small file cannot make the reader allocate gigabytes, and a null in the metadata is named.
        var (path, _) = SaveStudent();
        byte[] bytes = File.ReadAllBytes(path);
        int jsonLength = BitConverter.ToInt32(bytes, 12);
        int countAt = 16 + jsonLength, firstTensor = countAt + 4;
        switch (lie)
        {
            case "json length":
                BitConverter.GetBytes(int.MaxValue).CopyTo(bytes, 12);
                break;
            case "tensor count":
                BitConverter.GetBytes(int.MaxValue).CopyTo(bytes, countAt);
                break;
            case "tensor size":
                int nameLength = BitConverter.ToUInt16(bytes, firstTensor);
                int shapeAt = firstTensor + 2 + nameLength + 2;                       // after the name, its kind and rank bytes
                BitConverter.GetBytes(1L << 30).CopyTo(bytes, shapeAt);
                for (int d = 1; d < bytes[firstTensor + 2 + nameLength + 1]; d++)
                    BitConverter.GetBytes(1L).CopyTo(bytes, shapeAt + 8 * d);
                break;
            case "null model":
                bytes = WithMetadata(bytes, json =>
                {
                    string nulled = System.Text.RegularExpressions.Regex.Replace(json, "\"Streaming\":\\{[^}]*\\}", "\"Streaming\":null");
                    Assert.NotEqual(json, nulled);
                    return nulled;
                });
                break;
            case "model width":
                // A 65,536-wide encoder: building it would ask libtorch for tens of gigabytes before any weight is read.
                var width = new System.Text.RegularExpressions.Regex("\"Width\":128");
                bytes = WithMetadata(bytes, json =>
                {
                    Assert.Matches(width, json);
                    return width.Replace(json, "\"Width\":65536", 1);
                });
                break;
        }
        File.WriteAllBytes(path, Rehashed(bytes));

        long before = GC.GetTotalAllocatedBytes(precise: true);
        var error = Assert.Throws<CheckpointException>(() => CheckpointFile.Load(path));
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 256L << 20, "the reader allocated for the lie");
        Assert.Contains(lie switch
        {
            "null model" => "null where a value is required",
            "model width" => "describes a model of at least",
            _ => "left",
        }, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"Encoder\":\\{[^}]*\\}", "\"Encoder\":null", "lacks its encoder or language model")]
    [InlineData("(\"Features\":\\{[^}]*\"MelBins\":)80", "${1}40", "its features have 40 mel bands but its encoder reads 80")]
    [InlineData("(\"Features\":\\{[^}]*\"SampleRate\":)16000", "${1}0", "SampleRate")]
    [InlineData("\"LabelSet\":\"[^\"]*\"", "\"LabelSet\":\"ravdess9\"", "unknown label set 'ravdess9'")]
    [InlineData("\"HopMilliseconds\":250", "\"HopMilliseconds\":0", "streaming parameters (hop 0 ms")]
    public void Metadata_that_contradicts_itself_is_refused_naming_the_file_and_the_field(string pattern, string replacement, string expected)
    {
        // Metadata edited by hand or written by a faulty tool, under a recomputed hash: refused at load, naming the file,
        // not later in the model or the engine with an error that names neither.
        var (path, _) = SaveStudent();
        File.WriteAllBytes(path, WithMetadata(File.ReadAllBytes(path), json =>
        {
            string edited = new System.Text.RegularExpressions.Regex(pattern).Replace(json, replacement, 1);
            Assert.NotEqual(json, edited);
            return edited;
        }));

        var error = Assert.Throws<CheckpointException>(() => CheckpointFile.Load(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Foreign_files_and_other_versions_are_named_as_such()
    {
        string foreign = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(foreign, "\x08\x07onnx-ish bytes"u8.ToArray());
        Assert.Contains("not a PLDistill checkpoint", Assert.Throws<CheckpointException>(() => CheckpointFile.Load(foreign)).Message, StringComparison.Ordinal);

        var (path, _) = SaveStudent();
        byte[] bytes = File.ReadAllBytes(path);
        bytes[8] = 9; // format version field
        File.WriteAllBytes(path, bytes);
        Assert.Contains("format version 9", Assert.Throws<CheckpointException>(() => CheckpointFile.Load(path)).Message, StringComparison.Ordinal);

        Assert.Contains("not found", Assert.Throws<CheckpointException>(() => CheckpointFile.Load(Path.Combine(folder, "absent"))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Weights_that_are_nan_or_infinite_are_refused_naming_the_file_and_the_tensor(float poison)
    {
        // A diverged run saves such weights; the file is whole (its hash matches), so only a look at the values can tell.
        manual_seed(3);
        using var model = new AudioLanguageModel(LalmConfig.Student);
        var (name, parameter) = model.named_parameters().Skip(3).First();
        using (no_grad())
        {
            using var kept = poison.ToScalar();
            using var firstRow = parameter[0];
            firstRow.fill_(kept);
        }
        string path = Path.Combine(folder, "diverged.pldckpt");
        CheckpointFile.Save(path, model, Metadata(LalmConfig.Student));

        var error = Assert.Throws<CheckpointException>(() => CheckpointFile.Load(path));
        Assert.Contains("diverged.pldckpt", error.Message, StringComparison.Ordinal);
        Assert.Contains($"NaN or infinite, first in {name}", error.Message, StringComparison.Ordinal);
        using var target = new AudioLanguageModel(LalmConfig.Student);
        Assert.Contains(name, Assert.Throws<CheckpointException>(() => CheckpointFile.LoadInto(path, target)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loading_into_a_model_of_another_shape_names_the_mismatch()
    {
        var (path, _) = SaveStudent();
        using var teacher = new AudioLanguageModel(LalmConfig.Teacher);
        var error = Assert.Throws<CheckpointException>(() => CheckpointFile.LoadInto(path, teacher));
        Assert.Contains("does not match the model", error.Message, StringComparison.Ordinal);
    }
}
