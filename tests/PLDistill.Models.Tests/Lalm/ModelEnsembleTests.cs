using PLDistill.Models.Lalm;
using static TorchSharp.torch;

namespace PLDistill.Models.Tests.Lalm;

/// <summary>An ensemble teacher averages what its members say, position by position, and lays their features side by side.</summary>
public sealed class ModelEnsembleTests
{
    private static LalmConfig Small(int width, int layers = 1) => new()
    {
        Encoder = new EncoderConfig { Width = width, Heads = 4, Layers = 1, LeftContextFrames = 20, Dropout = 0 },
        LanguageModel = new LanguageModelConfig { Width = width, Heads = 4, Layers = layers, AudioWindow = 40, Dropout = 0 },
    };

    private static AudioLanguageModel Model(LalmConfig config, int seed, TextVocabulary? vocabulary = null)
    {
        manual_seed(seed);
        var model = new AudioLanguageModel(config, vocabulary);
        model.eval();
        return model;
    }

    [Fact]
    public void Two_members_give_mean_logits_and_attention_and_their_projector_outputs_side_by_side()
    {
        using var a = Model(Small(32), seed: 1);
        using var b = Model(Small(48), seed: 2);
        var ensemble = new ModelEnsemble([a, b]);
        using var mel = randn(2, 160, 80);
        using var lengths = tensor(new long[] { 160, 96 });

        using var first = a.Forward(mel, lengths, returnAttention: true);
        using var second = b.Forward(mel, lengths, returnAttention: true);
        using var both = ensemble.Forward(mel, lengths, returnAttention: true);

        Assert.Equal(80, ensemble.ProjectedWidth);
        Assert.Equal(a.ParameterCount + b.ParameterCount, ensemble.ParameterCount);
        // Means written as stack-and-mean: a + b and x / 2 would hand libtorch Scalars the GC may free (see KeptScalars).
        Assert.True(allclose(stack([first.Logits, second.Logits]).mean([0]), both.Logits, atol: 1e-5));
        Assert.True(allclose(cat([first.Projected, second.Projected], -1), both.Projected));
        Assert.True(allclose(stack([first.Attention[0], second.Attention[0]]).mean([0]), both.Attention[0], atol: 1e-6));
        Assert.Equal(first.AudioLengths.data<long>().ToArray(), both.AudioLengths.data<long>().ToArray());
        using var answer = ensemble.AnswerLogits(mel, lengths);
        Assert.True(allclose(both.AnswerLogits, answer, atol: 1e-4));
    }

    [Fact]
    public void One_member_is_that_model()
    {
        using var a = Model(Small(32), seed: 3);
        var ensemble = new ModelEnsemble([a]);
        using var mel = randn(1, 120, 80);
        using var lengths = tensor(new long[] { 120 });
        using var alone = a.Forward(mel, lengths);
        using var asEnsemble = ensemble.Forward(mel, lengths);
        Assert.True(alone.Logits.eq(asEnsemble.Logits).all().item<bool>());
        Assert.Equal(32, ensemble.ProjectedWidth);
    }

    [Fact]
    public void Members_must_share_vocabulary_and_audio_steps()
    {
        using var a = Model(Small(32), seed: 4);
        using var otherWords = Model(Small(32), seed: 5, new TextVocabulary([.. TextVocabulary.Default.Tokens, "bored"]));
        using var otherRate = Model(Small(32) with { Encoder = Small(32).Encoder with { Subsampling = 2 } }, seed: 6);
        Assert.Contains("vocabulary", Assert.Throws<ArgumentException>(() => new ModelEnsemble([a, otherWords])).Message);
        Assert.Contains("subsampling 2", Assert.Throws<ArgumentException>(() => new ModelEnsemble([a, otherRate])).Message);
        Assert.Throws<ArgumentException>(() => new ModelEnsemble([]));
    }

    [Fact]
    public void Averaging_attention_needs_the_same_lm_layout()
    {
        using var a = Model(Small(32, layers: 1), seed: 7);
        using var deeper = Model(Small(32, layers: 2), seed: 8);
        var ensemble = new ModelEnsemble([a, deeper]);
        using var mel = randn(1, 120, 80);
        using var lengths = tensor(new long[] { 120 });
        using var withoutAttention = ensemble.Forward(mel, lengths);   // logits still average
        Assert.Throws<InvalidOperationException>(() => ensemble.Forward(mel, lengths, returnAttention: true));
    }
}
