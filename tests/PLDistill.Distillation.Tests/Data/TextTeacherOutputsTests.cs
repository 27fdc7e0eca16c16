using PLDistill.Distillation.Data.Npy;
using PLDistill.Distillation.Data.TextTeacher;
using PLDistill.Distillation.Losses.Pad;
using static PLDistill.Distillation.Tests.Data.TextTeacherFolder;

namespace PLDistill.Distillation.Tests.Data;

public sealed class TextTeacherOutputsTests
{
    [Fact]
    public void Opens_a_folder_exposing_its_sizes_ids_and_tokens()
    {
        using var folder = new TextTeacherFolder();

        var outputs = TextTeacherOutputs.Open(folder.Path);

        Assert.Equal((Width, Layers, Heads, true), (outputs.Width, outputs.Layers, outputs.Heads, outputs.HasAttention));
        Assert.Equal("tiny", outputs.Header.Model);
        Assert.Equal(["a", "b", "c"], outputs.Ids);
        Assert.Equal(1, outputs.IndexOf("b"));
        Assert.Null(outputs.IndexOf("z"));
        Assert.Equal(["b0", "b1", "b2", "b3"], outputs.Utterances[1].Tokens);
        Assert.Equal(4, outputs.Utterances[1].Steps);
        Assert.Equal(NpyElementType.Float16, outputs.Utterances[1].Features.ElementType);
        Assert.Equal(3, outputs.Utterances[1].Line);
    }

    public static TheoryData<string, int, string> BadManifests => new()
    {
        { "bad json", 3, "bad JSON" },
        { "not an object", 3, "expected a JSON object" },
        { "missing tokens", 2, "missing field 'tokens'" },
        { "tokens not strings", 2, "'tokens' must be an array of strings" },
        { "missing file", 3, "features file 'features/nope.npy' does not exist" },
        { "token count", 4, "2 tokens but features 'features/c.npy' has 3 rows" },
        { "attention shape", 2, "must be (layers, heads, T, T) = (2, 2, 2, 2)" },
        { "attention missing", 3, "missing field 'attention'" },
        { "width differs", 4, "have width 4 but the header's width is 3" },
        { "duplicate id", 4, "duplicate id 'a' (first on line 2)" },
        { "leaves folder", 2, "leaves the folder" },
        { "absolute path", 2, "must be a path relative to the folder" },
        { "npy error", 2, "big-endian" },
        { "no header", 1, "the first line must be the header" },
        { "wrong format", 1, "format 'pldistill-audio' is not 'pldistill-text-outputs'" },
        { "newer version", 1, "format version 2 is not supported" },
        { "unknown header field", 1, "unknown header field 'widht'" },
        { "layers without heads", 1, "give both 'layers' and 'heads'" },
        { "attention without layers", 2, "header declares no layers and heads" },
    };

    [Theory]
    [MemberData(nameof(BadManifests))]
    public void Bad_folders_are_refused_naming_the_manifest_line_and_problem(string problem, int line, string expected)
    {
        using var folder = new TextTeacherFolder();
        var lines = folder.Lines;
        switch (problem)
        {
            case "bad json": lines[2] = """{"id": "b", "tokens": ["""; break;
            case "not an object": lines[2] = """["b"]"""; break;
            case "missing tokens": lines[1] = lines[1].Replace("\"tokens\"", "\"tokenz\"", StringComparison.Ordinal); break;
            case "tokens not strings": lines[1] = lines[1].Replace("[\"a0\",\"a1\"]", "[0, 1]", StringComparison.Ordinal); break;
            case "missing file": lines[2] = lines[2].Replace("features/b.npy", "features/nope.npy", StringComparison.Ordinal); break;
            case "token count": lines[3] = lines[3].Replace(",\"c2\"", "", StringComparison.Ordinal); break;
            case "attention shape": folder.WriteAttention("a", [2, 2, 2, 3]); break;
            case "attention missing": lines[2] = TextTeacherFolder.Line("b", 4, withAttention: false); break;
            case "width differs": folder.WriteFeatures("c", 3, 4); break;
            case "duplicate id": lines[3] = TextTeacherFolder.Line("a", 2); break;
            case "leaves folder": lines[1] = lines[1].Replace("features/a.npy", "../a.npy", StringComparison.Ordinal); break;
            case "absolute path": lines[1] = lines[1].Replace("features/a.npy", Path.Combine(folder.Path, "features", "a.npy"), StringComparison.Ordinal); break;
            case "npy error": folder.WriteFeatures("a", 2, Width, ">f4"); break;
            case "no header": lines.RemoveAt(0); break;
            case "wrong format": lines[0] = lines[0].Replace("pldistill-text-outputs", "pldistill-audio", StringComparison.Ordinal); break;
            case "newer version": lines[0] = lines[0].Replace("\"version\": 1", "\"version\": 2", StringComparison.Ordinal); break;
            case "unknown header field": lines[0] = lines[0].Replace("\"width\"", "\"widht\"", StringComparison.Ordinal); break;
            case "layers without heads": lines[0] = lines[0].Replace(", \"heads\": 2", "", StringComparison.Ordinal); break;
            case "attention without layers":
                lines[0] = """{"format": "pldistill-text-outputs", "version": 1, "width": 3}""";
                break;
        }
        folder.WriteManifest();

        var error = Assert.Throws<TextTeacherOutputsException>(() => TextTeacherOutputs.Open(folder.Path));

        Assert.Equal(line, error.Line);
        Assert.Equal(Path.Combine(folder.Path, "manifest.jsonl"), error.File);
        Assert.Contains($"manifest.jsonl line {line}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Problem, StringComparison.Ordinal);
        if (problem == "npy error")
            Assert.IsType<NpyFormatException>(error.InnerException);
    }

    [Fact]
    public void A_folder_without_a_manifest_or_without_utterances_is_refused()
    {
        using var folder = new TextTeacherFolder();
        folder.Lines.RemoveRange(1, 3);
        folder.WriteManifest();

        var empty = Assert.Throws<TextTeacherOutputsException>(() => TextTeacherOutputs.Open(folder.Path));
        File.Delete(Path.Combine(folder.Path, "manifest.jsonl"));
        var missing = Assert.Throws<TextTeacherOutputsException>(() => TextTeacherOutputs.Open(folder.Path));

        Assert.Contains("no utterances", empty.Message, StringComparison.Ordinal);
        Assert.Null(missing.Line);
        Assert.Contains("no manifest", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_pads_features_with_zeros_after_each_length_and_keeps_every_value()
    {
        using var folder = new TextTeacherFolder();
        var outputs = TextTeacherOutputs.Open(folder.Path);

        using var batch = outputs.Make([1, 0, 2]);                                              // b (T 4, f2), a (T 2, f4), c (T 3, f8)

        Assert.Equal([3L, 4L, Width], batch.Features.shape);
        Assert.Equal([4L, 2L, 3L], batch.Lengths.data<long>().ToArray());
        var values = batch.Features.data<float>().ToArray();
        string[] ids = ["b", "a", "c"];
        int[] lengths = [4, 2, 3];
        for (int b = 0; b < 3; b++)
            for (int t = 0; t < 4; t++)
                for (int d = 0; d < Width; d++)
                    Assert.Equal(t < lengths[b] ? Feature(ids[b], t, d) : 0f, values[(b * 4 + t) * Width + d]);
    }

    [Fact]
    public void A_batch_pads_attention_with_zero_rows_and_columns_and_keeps_every_weight()
    {
        using var folder = new TextTeacherFolder();
        var outputs = TextTeacherOutputs.Open(folder.Path);

        using var batch = outputs.Make(["a", "b"]);

        Assert.Equal(Layers, batch.Attention.Count);
        int[] lengths = [2, 4];
        for (int l = 0; l < Layers; l++)
        {
            Assert.Equal([2L, Heads, 4L, 4L], batch.Attention[l].shape);
            var weights = batch.Attention[l].data<float>().ToArray();
            for (int b = 0; b < 2; b++)
                for (int h = 0; h < Heads; h++)
                    for (int i = 0; i < 4; i++)
                        for (int j = 0; j < 4; j++)
                        {
                            float expected = i < lengths[b] && j < lengths[b] ? Weight(l, h, i, j, lengths[b]) : 0f;
                            Assert.Equal(expected, weights[((b * Heads + h) * 4 + i) * 4 + j], 3);   // b is float16
                        }
        }
    }

    [Fact]
    public void Chosen_layers_arrive_in_the_order_asked_negative_ones_counting_from_the_end()
    {
        using var folder = new TextTeacherFolder();
        var outputs = TextTeacherOutputs.Open(folder.Path);

        using var all = outputs.Make([2]);
        using var last = outputs.Make([2], [-1, 0]);
        using var none = outputs.Make([2], []);

        Assert.Equal(2, last.Attention.Count);
        Assert.Equal(all.Attention[1].data<float>().ToArray(), last.Attention[0].data<float>().ToArray());
        Assert.Equal(all.Attention[0].data<float>().ToArray(), last.Attention[1].data<float>().ToArray());
        Assert.NotEqual(all.Attention[0].data<float>().ToArray(), all.Attention[1].data<float>().ToArray());
        Assert.Empty(none.Attention);
        Assert.Throws<ArgumentOutOfRangeException>(() => outputs.Make([2], [2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => outputs.Make([3]));
        Assert.Throws<ArgumentException>(() => outputs.Make(["z"]));
    }

    [Fact]
    public void A_folder_without_attention_gives_features_only()
    {
        using var folder = new TextTeacherFolder(withAttention: false);
        var outputs = TextTeacherOutputs.Open(folder.Path);

        using var batch = outputs.Make([0, 1]);

        Assert.False(outputs.HasAttention);
        Assert.Equal(0, outputs.Layers);
        Assert.Empty(batch.Attention);
        Assert.Equal([2L, 4L, Width], batch.Features.shape);
        Assert.Throws<ArgumentException>(() => outputs.Make([0], [0]));
    }

    [Theory]
    [InlineData("logits", "sums to")]
    [InlineData("nan", "must be finite")]
    public void Values_the_format_forbids_are_refused_when_read_naming_the_line(string problem, string expected)
    {
        using var folder = new TextTeacherFolder();
        string file;
        if (problem == "logits")
        {
            file = Path.Combine(folder.Path, "attention", "b.npy");
            NpyWriter.Write(file, [.. Enumerable.Repeat(0.5, Layers * Heads * 16)], [Layers, Heads, 4, 4]);
        }
        else
        {
            file = Path.Combine(folder.Path, "features", "b.npy");
            NpyWriter.Write(file, [.. Enumerable.Range(0, 4 * Width).Select(i => i == 7 ? double.NaN : i)], [4, Width]);
        }
        var outputs = TextTeacherOutputs.Open(folder.Path);                                      // headers are fine: values are read lazily

        using var fine = outputs.Make([0, 2]);
        var error = Assert.Throws<TextTeacherOutputsException>(() => outputs.Make([0, 1]));

        Assert.Equal(3, error.Line);
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_is_the_text_side_of_a_pad_pair_with_priors_on_its_valid_tokens()
    {
        using var folder = new TextTeacherFolder();
        var outputs = TextTeacherOutputs.Open(folder.Path);
        using var batch = outputs.Make([0, 1, 2]);
        var text = batch.ToPadSequence();

        using var prior = SignificancePrior.FromAttention(text.Attention, text.Lengths);
        using var loss = new PadLoss(new PadOptions { Variant = PadVariant.SpanLocal, PriorLayers = [0, -1], Anchors = 2 }, Width, Width);
        using var value = loss.Compute(text, text);

        var weights = prior.data<float>().ToArray();                                             // (3, 4)
        int[] lengths = [2, 4, 3];
        for (int b = 0; b < 3; b++)
        {
            Assert.Equal(1f, weights.Skip(b * 4).Take(lengths[b]).Sum(), 5);
            Assert.All(weights.Skip(b * 4 + lengths[b]).Take(4 - lengths[b]), w => Assert.Equal(0f, w));
        }
        Assert.True(float.IsFinite(value.item<float>()));
    }
}
