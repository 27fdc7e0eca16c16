using PLDistill.Distillation.Losses.Pad;
using TorchSharp;
using static PLDistill.Distillation.Tests.Losses.Pad.PadTensors;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Losses.Pad;

public sealed class TokenLocalAlignmentTests
{
    private static readonly Scalar Thousand = 1000.ToScalar();

    [Fact]
    public void Every_token_equal_to_some_frame_reaches_the_minimum_and_the_max_picks_that_frame()
    {
        using var speech = Clip([1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]);
        using var text = Clip([0, 2, 0], [3, 3, 0], [0, 0, 0.5f]);                              // frames 1, 3, 2 (scaled)
        using var lengths = Lengths(4);
        using var prior = Row(0.5f, 0.3f, 0.2f);

        Assert.Equal(-1.0, TokenLocalAlignment.Compute(speech, lengths, text, prior).item<float>(), 5);
        var (frame, similarity) = TokenLocalAlignment.BestFrames(speech, lengths, text);
        using (frame)
        using (similarity)
        {
            Assert.Equal(new long[] { 1, 3, 2 }, Indices(frame));
            Assert.All(Values(similarity), s => Assert.Equal(1.0, s, 5));
        }
    }

    [Fact]
    public void The_text_prior_weights_each_tokens_best_cosine()
    {
        using var speech = Clip([1, 0], [0, 1]);
        using var text = Clip([1, 0], [1, 1]);                                                   // best cosines 1 and 1/√2
        using var lengths = Lengths(2);
        using var uniform = Row(0.5f, 0.5f);
        using var significant = Row(0.8f, 0.2f);

        Assert.Equal(-(1 + Math.Sqrt(0.5)) / 2, TokenLocalAlignment.Compute(speech, lengths, text, uniform).item<float>(), 5);
        Assert.Equal(-(0.8 + 0.2 * Math.Sqrt(0.5)), TokenLocalAlignment.Compute(speech, lengths, text, significant).item<float>(), 5);
    }

    [Fact]
    public void A_padded_frame_never_wins_the_max_even_when_it_matches_exactly()
    {
        using var speech = Clip([1, 0], [0, 1], [1, 1]);                                        // frame 2 is padding
        using var text = Clip([1, 1]);
        using var lengths = Lengths(2);
        using var prior = Row(1);

        var (frame, similarity) = TokenLocalAlignment.BestFrames(speech, lengths, text);
        using (frame)
        using (similarity)
        {
            Assert.InRange(Indices(frame)[0], 0, 1);
            Assert.Equal(Math.Sqrt(0.5), Values(similarity)[0], 5);
        }
        Assert.Equal(-Math.Sqrt(0.5), TokenLocalAlignment.Compute(speech, lengths, text, prior).item<float>(), 5);
    }

    [Fact]
    public void A_token_opposite_every_valid_frame_scores_minus_one_not_a_padded_or_zero_frame()
    {
        // Padded frames are zero vectors (cosine 0): if they could win, this loss would be 0, not +1.
        using var speech = Clip([1, 0], [0, 0], [0, 0]);
        using var text = Clip([-1, 0]);
        using var lengths = Lengths(1);
        using var prior = Row(1);

        Assert.Equal(1.0, TokenLocalAlignment.Compute(speech, lengths, text, prior).item<float>(), 5);
    }

    [Fact]
    public void Batched_rows_with_padding_equal_each_row_alone()
    {
        manual_seed(31);
        using var speech = randn(2, 6, 4);
        using var text = randn(2, 3, 4);
        using var speechLengths = Lengths(6, 4);
        using var textLengths = Lengths(2, 3);
        using var textPrior = SignificancePrior.Uniform(textLengths, 3);
        var batched = Values(TokenLocalAlignment.Compute(speech, speechLengths, text, textPrior));

        speech[1].narrow(0, 4, 2).fill_(Thousand);                                               // garbage in the padding
        var again = Values(TokenLocalAlignment.Compute(speech, speechLengths, text, textPrior));
        using var scope = NewDisposeScope();
        var alone = TokenLocalAlignment.Compute(speech[1].narrow(0, 0, 4).unsqueeze(0), Lengths(4),
            text[1].unsqueeze(0), SignificancePrior.Uniform(Lengths(3), 3));

        Assert.Equal(batched, again);
        Assert.Equal(alone.item<float>(), batched[1], 5);
    }
}
