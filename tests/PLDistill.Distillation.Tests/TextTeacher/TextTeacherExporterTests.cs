using PLDistill.Distillation.Data.TextTeacher;
using PLDistill.Distillation.TextTeacher;
using PLDistill.Models.Text;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.TextTeacher;

public sealed class TextTeacherExporterTests : IDisposable
{
    private static readonly (string Id, string Text)[] Utterances =
    [
        ("pc000001", "The wisdom of a million fools."),
        ("pc000002", "A fool and his money, in the diction of a dullard!"),
        ("pc000003", "Fools."),
    ];

    private readonly string folder = Path.Combine(Path.GetTempPath(), $"pld-text-export-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }

    private static (TextEncoder, WordTokenizer) Model()
    {
        var tokenizer = WordTokenizer.Build(Utterances.Select(u => u.Text), minFrequency: 1);
        manual_seed(8);
        var encoder = new TextEncoder(new TextEncoderConfig { VocabularySize = tokenizer.Count, Width = 12, Layers = 3, Heads = 2, MaxPositions = 16 });
        encoder.eval();
        return (encoder, tokenizer);
    }

    [Fact]
    public void Writes_a_folder_that_text_teacher_outputs_opens_with_the_encoders_sizes_tokens_and_values()
    {
        var (encoder, tokenizer) = Model();
        using var _ = encoder;

        int count = TextTeacherExporter.Export(encoder, tokenizer, Utterances, folder, featureLayer: 2, model: "tiny");
        var outputs = TextTeacherOutputs.Open(folder);

        Assert.Equal(3, count);
        Assert.Equal((12, 3, 2, true), (outputs.Width, outputs.Layers, outputs.Heads, outputs.HasAttention));
        Assert.Equal(("tiny", 2), (outputs.Header.Model, outputs.Header.FeatureLayer));
        Assert.Equal(Utterances.Select(u => u.Id), outputs.Ids);
        Assert.Equal(["[CLS]", "the", "wisdom", "of", "a", "million", "fools", ".", "[SEP]"], outputs.Utterances[0].Tokens);
        Assert.Equal(Utterances[1].Text, outputs.Utterances[1].Text);
        Assert.Equal([4L, 12], outputs.Utterances[2].Features.Shape);          // [CLS] fools . [SEP]
        Assert.Equal([3L, 2, 4, 4], outputs.Utterances[2].Attention!.Shape);

        int[] encoded = tokenizer.Encode(Utterances[1].Text);
        using var ids = tensor(encoded.Select(i => (long)i).ToArray(), [1, encoded.Length]);
        using var lengths = tensor(new long[] { encoded.Length });
        using var expected = encoder.Forward(ids, lengths);
        using var batch = outputs.Make([1]);                          // checks every attention row sums to 1 as it reads
        Assert.True(batch.Features[0].allclose(expected.HiddenStates[2][0], atol: 1e-6), "features are not layer 2's hidden states");
        Assert.Equal(3, batch.Attention.Count);
        Assert.True(batch.Attention[1][0].allclose(expected.Attention[1][0], atol: 1e-6), "attention maps differ");
    }

    [Fact]
    public void Refuses_a_non_empty_folder_a_layer_out_of_range_and_repeated_ids()
    {
        var (encoder, tokenizer) = Model();
        using var _ = encoder;

        Assert.Throws<ArgumentOutOfRangeException>(() => TextTeacherExporter.Export(encoder, tokenizer, Utterances, folder, featureLayer: 4));
        Assert.Throws<ArgumentException>(() => TextTeacherExporter.Export(encoder, tokenizer, [("x", "a fool"), ("x", "fools")], folder + "-twice"));
        Directory.Delete(folder + "-twice", recursive: true);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "something"), "");
        var error = Assert.Throws<ArgumentException>(() => TextTeacherExporter.Export(encoder, tokenizer, Utterances, folder));
        Assert.Contains("not empty", error.Message, StringComparison.Ordinal);
    }
}
