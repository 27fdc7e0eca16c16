using PLDistill.Distillation.Losses.Pad;
using TorchSharp;
using static PLDistill.Distillation.Tests.Losses.Pad.PadTensors;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Losses.Pad;

public sealed class GlobalAlignmentTests
{
    private static readonly Scalar Thousand = 1000.ToScalar();

    [Fact]
    public void Zero_when_the_pooled_vectors_agree_and_the_mean_absolute_difference_otherwise()
    {
        using var speech = Clip([1, 2], [3, 4]);                                                 // pooled (2, 3)
        using var same = Clip([2, 3]);
        using var other = Clip([2, 4]);
        using var speechPrior = Row(0.5f, 0.5f);
        using var textPrior = Row(1);

        Assert.Equal(0.0, GlobalAlignment.Compute(speech, speechPrior, same, textPrior).item<float>(), 6);
        Assert.Equal(0.5, GlobalAlignment.Compute(speech, speechPrior, other, textPrior).item<float>(), 6);   // (|0| + |−1|) / 2
    }

    [Fact]
    public void The_prior_weights_the_pooling()
    {
        using var speech = Clip([1, 0], [0, 1]);
        using var text = Clip([0.75f, 0.25f]);
        using var significant = Row(0.75f, 0.25f);
        using var uniform = Row(0.5f, 0.5f);
        using var textPrior = Row(1);

        Assert.Equal(0.0, GlobalAlignment.Compute(speech, significant, text, textPrior).item<float>(), 6);
        Assert.Equal(0.25, GlobalAlignment.Compute(speech, uniform, text, textPrior).item<float>(), 6);      // (0.25 + 0.25) / 2
    }

    [Fact]
    public void Padded_frames_and_tokens_change_nothing()
    {
        manual_seed(21);
        using var speech = randn(2, 5, 3);
        using var text = randn(2, 4, 3);
        using var speechLengths = Lengths(5, 3);
        using var textLengths = Lengths(2, 4);
        using var speechPrior = SignificancePrior.Uniform(speechLengths, 5);
        using var textPrior = SignificancePrior.Uniform(textLengths, 4);
        var before = Values(GlobalAlignment.Compute(speech, speechPrior, text, textPrior));

        speech[1].narrow(0, 3, 2).fill_(Thousand);
        text[0].narrow(0, 2, 2).fill_(Thousand);
        var after = Values(GlobalAlignment.Compute(speech, speechPrior, text, textPrior));

        Assert.Equal(before, after);
        Assert.All(after, v => Assert.InRange(v, 0f, 10f));
    }
}
