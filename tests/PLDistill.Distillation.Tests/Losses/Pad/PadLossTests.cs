using PLDistill.Distillation.Losses.Pad;
using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using TorchSharp;
using static PLDistill.Distillation.Tests.Losses.Pad.PadTensors;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Losses.Pad;

public sealed class PadLossTests
{
    private static readonly Scalar Thousand = 1000.ToScalar();

    private static PadLoss WithIdentityProjection(PadOptions options, int width)
    {
        var loss = new PadLoss(options, width, width);
        using var identity = eye(width);
        using (no_grad())
            foreach (var parameter in loss.parameters())
                if (parameter.dim() == 2)
                    parameter.copy_(identity);
                else
                    parameter.zero_();
        return loss;
    }

    /// <summary>Softmax attention over each row's valid keys, per layer: (B, H, T, T) × layers.</summary>
    private static List<Tensor> Attention(Tensor lengths, long steps, int layers)
    {
        using var scope = NewDisposeScope();
        var padding = AttentionMasks.ValidSteps(lengths, steps).logical_not().unsqueeze(1).unsqueeze(1);
        var maps = new List<Tensor>();
        for (int l = 0; l < layers; l++)
            maps.Add(randn(lengths.shape[0], 2, steps, steps).masked_fill(padding, KeptScalars.NegativeInfinity).softmax(-1).MoveToOuterDisposeScope());
        return maps;
    }

    public static TheoryData<PadVariant, bool> Variants => new()
    {
        { PadVariant.Global, true }, { PadVariant.Global, false },
        { PadVariant.TokenLocal, true }, { PadVariant.TokenLocal, false },
        { PadVariant.SpanLocal, true }, { PadVariant.SpanLocal, false },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void A_padded_batch_scores_the_mean_of_each_clip_alone(PadVariant variant, bool usePriors)
    {
        manual_seed(41);
        using var scope = NewDisposeScope();
        using var loss = new PadLoss(new PadOptions { Variant = variant, UsePriors = usePriors, PriorLayers = [0, -1], Anchors = 3 }, 5, 4);
        var speechLengths = Lengths(9, 6);
        var textLengths = Lengths(3, 4);
        var speech = randn(2, 9, 5);
        var text = randn(2, 4, 4);
        var speechAttention = Attention(speechLengths, 9, 3);
        var textAttention = Attention(textLengths, 4, 2);
        double batched = loss.Compute(new PadSequence(speech, speechLengths, speechAttention), new PadSequence(text, textLengths, textAttention)).item<float>();

        double sum = 0;
        for (int b = 0; b < 2; b++)
        {
            long ts = speechLengths[b].item<long>(), tt = textLengths[b].item<long>();
            var aloneSpeech = new PadSequence(speech[b].narrow(0, 0, ts).unsqueeze(0), Lengths(ts),
                [.. speechAttention.Select(a => a[b].narrow(1, 0, ts).narrow(2, 0, ts).unsqueeze(0))]);
            var aloneText = new PadSequence(text[b].narrow(0, 0, tt).unsqueeze(0), Lengths(tt),
                [.. textAttention.Select(a => a[b].narrow(1, 0, tt).narrow(2, 0, tt).unsqueeze(0))]);
            sum += loss.Compute(aloneSpeech, aloneText).item<float>();
        }
        Assert.Equal(sum / 2, batched, 5);
    }

    [Fact]
    public void Identical_sides_under_an_identity_projection_reach_each_variants_minimum()
    {
        manual_seed(42);
        using var scope = NewDisposeScope();
        var features = randn(2, 5, 3);
        var lengths = Lengths(5, 3);
        var side = new PadSequence(features, lengths, Attention(lengths, 5, 1));
        using var global = WithIdentityProjection(new PadOptions { Variant = PadVariant.Global }, 3);
        using var token = WithIdentityProjection(new PadOptions { Variant = PadVariant.TokenLocal }, 3);
        using var span = WithIdentityProjection(new PadOptions { Variant = PadVariant.SpanLocal, Anchors = 5, SpanWidths = [1] }, 3);

        Assert.Equal(0.0, global.Compute(side, side).item<float>(), 5);
        Assert.Equal(-1.0, token.Compute(side, side).item<float>(), 5);
        Assert.Equal(-1.0, span.Compute(side, side).item<float>(), 5);
    }

    [Fact]
    public void Priors_change_the_global_loss_and_come_from_the_chosen_layers()
    {
        manual_seed(43);
        using var scope = NewDisposeScope();
        var speechLengths = Lengths(6, 4);
        var textLengths = Lengths(3, 2);
        var speech = new PadSequence(randn(2, 6, 3), speechLengths, Attention(speechLengths, 6, 3));
        var text = new PadSequence(randn(2, 3, 3), textLengths, Attention(textLengths, 3, 3));
        using var withPriors = WithIdentityProjection(new PadOptions { Variant = PadVariant.Global, PriorLayers = [-1] }, 3);
        using var without = WithIdentityProjection(new PadOptions { Variant = PadVariant.Global, UsePriors = false }, 3);

        var expected = GlobalAlignment.Compute(speech.Features,
            SignificancePrior.FromAttention([speech.Attention[2]], speechLengths), text.Features,
            SignificancePrior.FromAttention([text.Attention[2]], textLengths)).mean();
        var plain = GlobalAlignment.Compute(speech.Features, SignificancePrior.Uniform(speechLengths, 6),
            text.Features, SignificancePrior.Uniform(textLengths, 3)).mean();

        Assert.Equal(expected.item<float>(), withPriors.Compute(speech, text).item<float>(), 5);
        Assert.Equal(plain.item<float>(), without.Compute(speech, text).item<float>(), 5);
        Assert.NotEqual(plain.item<float>(), expected.item<float>(), 3);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Gradient_reaches_the_speech_features_and_the_projection_but_not_the_text(PadVariant variant, bool usePriors)
    {
        manual_seed(44);
        using var scope = NewDisposeScope();
        using var loss = new PadLoss(new PadOptions { Variant = variant, UsePriors = usePriors, Anchors = 2 }, 5, 3);
        var speechLengths = Lengths(7, 5);
        var textLengths = Lengths(3, 2);
        var speech = randn(2, 7, 5).requires_grad_();
        var text = randn(2, 3, 3).requires_grad_();
        loss.Compute(new PadSequence(speech, speechLengths, Attention(speechLengths, 7, 1)),
            new PadSequence(text, textLengths, Attention(textLengths, 3, 1))).backward();

        Assert.True(speech.grad!.abs().sum().item<float>() > 0);
        Assert.Equal(0f, speech.grad![1].narrow(0, 5, 2).abs().sum().item<float>());           // padded frames learn nothing
        Assert.All(loss.parameters(), p => Assert.True(p.grad!.abs().sum().item<float>() > 0));
        Assert.Null(text.grad);
    }

    [Fact]
    public void Padded_speech_and_text_values_change_nothing()
    {
        manual_seed(45);
        using var scope = NewDisposeScope();
        using var loss = new PadLoss(new PadOptions { Variant = PadVariant.SpanLocal, Anchors = 2 }, 4, 4);
        var speechLengths = Lengths(8, 5);
        var textLengths = Lengths(3, 2);
        var speech = new PadSequence(randn(2, 8, 4), speechLengths, Attention(speechLengths, 8, 1));
        var text = new PadSequence(randn(2, 3, 4), textLengths, Attention(textLengths, 3, 1));
        double before = loss.Compute(speech, text).item<float>();

        speech.Features[1].narrow(0, 5, 3).fill_(Thousand);
        text.Features[1].narrow(0, 2, 1).fill_(Thousand);
        Assert.Equal(before, loss.Compute(speech, text).item<float>(), 6);
    }

    public static TheoryData<string, PadOptions> InvalidOptions => new()
    {
        { "span widths are empty", new PadOptions { Variant = PadVariant.SpanLocal, SpanWidths = [] } },
        { "span width -2", new PadOptions { Variant = PadVariant.SpanLocal, SpanWidths = [2, -2] } },
        { "anchors 0", new PadOptions { Variant = PadVariant.SpanLocal, Anchors = 0 } },
        { "weight -0.5", new PadOptions { Variant = PadVariant.Global, Weight = -0.5 } },
        { "weight NaN", new PadOptions { Variant = PadVariant.Global, Weight = double.NaN } },
        { "prior layers are empty", new PadOptions { Variant = PadVariant.Global, PriorLayers = [] } },
        { "variant 9", new PadOptions { Variant = (PadVariant)9 } },
        { "variant None", new PadOptions() },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Invalid_options_are_a_clear_error_naming_the_value(string expected, PadOptions options)
    {
        var error = Assert.Throws<ArgumentException>(() => new PadLoss(options, 4, 4));
        Assert.Contains(expected, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Options_without_priors_need_no_prior_layers_and_validate_cleanly()
    {
        new PadOptions { Variant = PadVariant.TokenLocal, UsePriors = false, PriorLayers = [] }.Validate();
        new PadOptions().Validate();
        Assert.Contains("speech 0", Assert.Throws<ArgumentException>(() => new PadLoss(new PadOptions { Variant = PadVariant.Global }, 0, 4)).Message);
    }

    [Fact]
    public void Mismatched_shapes_and_missing_layers_are_clear_errors()
    {
        using var scope = NewDisposeScope();
        using var loss = new PadLoss(new PadOptions { Variant = PadVariant.Global, PriorLayers = [0, 3] }, 5, 4);
        var speechLengths = Lengths(6, 6);
        var textLengths = Lengths(3, 3);
        var speech = new PadSequence(zeros(2, 6, 5), speechLengths, Attention(speechLengths, 6, 4));
        var text = new PadSequence(zeros(2, 3, 4), textLengths, Attention(textLengths, 3, 2));

        string Error(PadSequence s, PadSequence t) => Assert.Throws<ArgumentException>(() => loss.Compute(s, t)).Message;
        Assert.Contains("speech has 2 clips, text 3", Error(speech, new PadSequence(zeros(3, 3, 4), Lengths(3, 3, 3))));
        Assert.Contains("speech width 7", Error(new PadSequence(zeros(2, 6, 7), speechLengths), text));
        Assert.Contains("text width 6", Error(speech, new PadSequence(zeros(2, 3, 6), textLengths)));
        Assert.Contains("speech lengths (3)", Error(new PadSequence(zeros(2, 6, 5), Lengths(6, 6, 6)), text));
        Assert.Contains("prior layer 3 is out of range: the text side has 2", Error(speech, text));
        Assert.Contains("speech side has 0", Error(new PadSequence(zeros(2, 6, 5), speechLengths), text));
        Assert.Contains("with T = 3 units", Error(speech, new PadSequence(text.Features, textLengths, Attention(textLengths, 5, 4))));
    }
}
