using PLDistill.Models.Text;
using static TorchSharp.torch;

namespace PLDistill.Models.Tests.Text;

public sealed class TextEncoderTests : IDisposable
{
    private static readonly TextEncoderConfig Config = new() { VocabularySize = 20, Width = 16, Layers = 3, Heads = 4, MaxPositions = 12, Dropout = 0.1 };

    private readonly string folder = Directory.CreateTempSubdirectory("pld-text-encoder-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static TextEncoder NewEncoder(long seed = 3)
    {
        manual_seed(seed);
        var encoder = new TextEncoder(Config);
        encoder.eval();
        return encoder;
    }

    private static Tensor Ids(long[,] rows) => tensor(rows);

    [Fact]
    public void Returns_hidden_states_of_every_layer_and_attention_maps_of_every_block_with_documented_shapes()
    {
        using var encoder = NewEncoder();
        using var ids = Ids(new long[,] { { 1, 7, 8, 9, 2 }, { 1, 10, 2, 0, 0 } });
        using var lengths = tensor(new long[] { 5, 3 });

        using var output = encoder.Forward(ids, lengths);
        using var logits = encoder.Logits(output.Hidden);

        Assert.Equal([2L, 5, 16], output.Hidden.shape);
        Assert.Equal(Config.Layers + 1, output.HiddenStates.Count);
        Assert.All(output.HiddenStates, state => Assert.Equal([2L, 5, 16], state.shape));
        Assert.Same(output.Hidden, output.HiddenStates[^1]);
        Assert.Equal(Config.Layers, output.Attention.Count);
        Assert.All(output.Attention, map => Assert.Equal([2L, 4, 5, 5], map.shape));
        Assert.Equal([2L, 5, 20], logits.shape);
    }

    [Fact]
    public void Padding_changes_no_valid_output_whatever_the_padded_tokens_are()
    {
        using var encoder = NewEncoder();
        using var alone = Ids(new long[,] { { 1, 7, 8, 2 } });
        using var aloneLength = tensor(new long[] { 4 });
        using var padded = Ids(new long[,] { { 1, 7, 8, 2, 13, 14, 3 }, { 1, 9, 9, 9, 9, 9, 2 } });
        using var paddedLengths = tensor(new long[] { 4, 7 });

        using var single = encoder.Forward(alone, aloneLength);
        using var batch = encoder.Forward(padded, paddedLengths);

        using var validHidden = batch.Hidden[0].narrow(0, 0, 4);
        Assert.True(validHidden.allclose(single.Hidden[0], rtol: 1e-4, atol: 1e-5), "hidden states of valid tokens changed with padding");
        for (int layer = 0; layer < Config.Layers; layer++)
        {
            using var validMaps = batch.Attention[layer][0].narrow(1, 0, 4).narrow(2, 0, 4);
            Assert.True(validMaps.allclose(single.Attention[layer][0], rtol: 1e-4, atol: 1e-6), $"attention of layer {layer} changed with padding");
        }
    }

    [Fact]
    public void Attention_rows_are_distributions_over_the_valid_keys_only()
    {
        using var encoder = NewEncoder();
        using var ids = Ids(new long[,] { { 1, 7, 8, 9, 10, 2 }, { 1, 11, 2, 5, 5, 5 } });
        using var lengths = tensor(new long[] { 6, 3 });

        using var output = encoder.Forward(ids, lengths);

        foreach (var map in output.Attention)
        {
            float[] weights = map.data<float>().ToArray();   // (2, 4, 6, 6)
            for (int b = 0; b < 2; b++)
                for (int row = 0; row < 4 * 6; row++)
                {
                    var keys = weights.AsSpan(((b * 4 * 6) + row) * 6, 6);
                    int valid = b == 0 ? 6 : 3;
                    Assert.Equal(1.0, keys[..valid].ToArray().Sum(w => (double)w), 5);
                    Assert.All(keys[valid..].ToArray(), w => Assert.Equal(0f, w));
                    Assert.All(keys.ToArray(), w => Assert.True(w >= 0));
                }
        }
    }

    [Fact]
    public void Attends_in_both_directions()
    {
        using var encoder = NewEncoder();
        using var ids = Ids(new long[,] { { 1, 7, 8, 9, 2 } });
        using var lengths = tensor(new long[] { 5 });

        using var output = encoder.Forward(ids, lengths);

        using var firstQueryOnLastKey = output.Attention[0][0, .., 0, 4];
        Assert.True(firstQueryOnLastKey.min().item<float>() > 0, "the first token must see later ones (no causal mask)");
    }

    [Fact]
    public void Refuses_input_longer_than_its_positions()
    {
        using var encoder = NewEncoder();
        using var ids = zeros(1, Config.MaxPositions + 1, dtype: int64);
        using var lengths = tensor(new long[] { Config.MaxPositions + 1 });

        var error = Assert.Throws<ArgumentException>(() => encoder.Forward(ids, lengths));
        Assert.Contains("positions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Saved_folder_loads_into_an_encoder_computing_the_same_outputs()
    {
        var tokenizer = new WordTokenizer([.. WordTokenizer.SpecialTokens, .. Enumerable.Range(0, 15).Select(i => $"w{i}")], 1);
        using var encoder = NewEncoder(seed: 11);
        using var ids = Ids(new long[,] { { 1, 7, 8, 2 } });
        using var lengths = tensor(new long[] { 4 });
        using var expected = encoder.Forward(ids, lengths);

        TextEncoderFolder.Save(folder, encoder, tokenizer);
        var (loaded, loadedTokenizer) = TextEncoderFolder.Load(folder);
        using (loaded)
        {
            using var actual = loaded.Forward(ids, lengths);
            Assert.Equal(Config, loaded.Config);
            Assert.Equal(tokenizer.Tokens, loadedTokenizer.Tokens);
            Assert.True(actual.Hidden.allclose(expected.Hidden), "loaded weights differ");
        }
    }

    [Fact]
    public void Refuses_a_folder_whose_files_do_not_fit_together()
    {
        var tokenizer = new WordTokenizer([.. WordTokenizer.SpecialTokens, .. Enumerable.Range(0, 15).Select(i => $"w{i}")], 1);
        using var encoder = NewEncoder();
        TextEncoderFolder.Save(folder, encoder, tokenizer);

        new WordTokenizer([.. WordTokenizer.SpecialTokens, "only"], 1).Save(Path.Combine(folder, TextEncoderFolder.TokenizerFileName));
        var sizes = Assert.Throws<TextModelFileException>(() => TextEncoderFolder.Load(folder));
        Assert.Contains("6 tokens", sizes.Message, StringComparison.Ordinal);

        tokenizer.Save(Path.Combine(folder, TextEncoderFolder.TokenizerFileName));
        File.WriteAllBytes(Path.Combine(folder, TextEncoderFolder.WeightsFileName), [1, 2, 3]);
        var weights = Assert.Throws<TextModelFileException>(() => TextEncoderFolder.Load(folder));
        Assert.EndsWith(TextEncoderFolder.WeightsFileName, weights.Path, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(folder, TextEncoderFolder.ConfigFileName), "{\"Format\": \"other\", \"Version\": 1}");
        var config = Assert.Throws<TextModelFileException>(() => TextEncoderFolder.Load(folder));
        Assert.Contains("not a text-encoder configuration", config.Message, StringComparison.Ordinal);

        Assert.Throws<TextModelFileException>(() => TextEncoderFolder.Load(Path.Combine(folder, "missing")));
    }
}
