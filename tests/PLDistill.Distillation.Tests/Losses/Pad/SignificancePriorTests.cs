using PLDistill.Distillation.Losses.Pad;
using static PLDistill.Distillation.Tests.Losses.Pad.PadTensors;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Losses.Pad;

public sealed class SignificancePriorTests
{
    private static Tensor Map(params float[][][] heads) => Batch(heads).unsqueeze(0);   // (1, H, T, T)

    [Fact]
    public void Prior_is_the_head_averaged_column_sum_normalised_to_one()
    {
        // Head 0's column sums are 0.8, 1.25, 0.95; head 1 (identity) gives 1, 1, 1; mean 0.9, 1.125, 0.975 over a total of 3.
        using var attention = Map(
            [[0.5f, 0.25f, 0.25f], [0.1f, 0.8f, 0.1f], [0.2f, 0.2f, 0.6f]],
            [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
        using var lengths = Lengths(3);
        using var prior = SignificancePrior.FromAttention([attention], lengths);

        var p = Values(prior);
        Assert.Equal(0.9 / 3, p[0], 5);
        Assert.Equal(1.125 / 3, p[1], 5);
        Assert.Equal(0.975 / 3, p[2], 5);
    }

    [Fact]
    public void Padded_queries_give_nothing_and_padded_units_get_zero()
    {
        // Clip 1 has 2 valid units; its padded query (row 2) pays heavy attention to unit 0, which must not count.
        using var attention = Batch(
            [[0.2f, 0.3f, 0.5f], [0.3f, 0.3f, 0.4f], [0.1f, 0.1f, 0.8f]],
            [[0.6f, 0.4f, 0], [0.3f, 0.7f, 0], [0.9f, 0.05f, 0.05f]]).unsqueeze(1);   // (2, 1, 3, 3)
        using var lengths = Lengths(3, 2);
        using var prior = SignificancePrior.FromAttention([attention], lengths);

        var p = Values(prior);
        Assert.Equal(1.0, p[0] + p[1] + p[2], 5);
        Assert.Equal(0.6 / 3, p[0], 5);
        Assert.Equal(0.45, p[3], 5);
        Assert.Equal(0.55, p[4], 5);
        Assert.Equal(0.0f, p[5]);
    }

    [Fact]
    public void Each_layer_is_normalised_before_the_layers_are_averaged()
    {
        // Layer A favours unit 1 (0.2, 0.8); layer B, at five times the scale, favours unit 0 (0.6, 0.4). Averaging raw
        // sums would let B dominate (0.53, 0.47); normalising first weighs them equally (0.4, 0.6).
        using var a = Map([[0.2f, 0.8f], [0.2f, 0.8f]]);
        using var b = Map([[3f, 2f], [3f, 2f]]);
        using var lengths = Lengths(2);
        using var prior = SignificancePrior.FromAttention([a, b], lengths);

        var p = Values(prior);
        Assert.Equal(0.4, p[0], 5);
        Assert.Equal(0.6, p[1], 5);
    }

    [Fact]
    public void Uniform_attention_over_the_valid_units_gives_the_uniform_prior()
    {
        using var lengths = Lengths(4, 3);
        using var valid = SignificancePrior.Uniform(lengths, 4);                                 // (2, 4): 1/len on valid keys
        using var attention = valid.unsqueeze(1).unsqueeze(1).expand(2, 3, 4, 4).contiguous();   // every query, 3 heads
        using var prior = SignificancePrior.FromAttention([attention, attention], lengths);

        Assert.Equal(new[] { 0.25f, 0.25f, 0.25f, 0.25f, 1 / 3f, 1 / 3f, 1 / 3f, 0 }, Values(prior), new FloatTolerance(1e-6f));
    }

    [Fact]
    public void Uniform_prior_sums_to_one_over_valid_units_and_is_zero_at_padding()
    {
        using var lengths = Lengths(5, 2, 1);
        using var prior = SignificancePrior.Uniform(lengths, 5);

        Assert.Equal(new[] { 0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 0.5f, 0.5f, 0, 0, 0, 1, 0, 0, 0, 0 }, Values(prior), new FloatTolerance(1e-6f));
    }

    [Fact]
    public void Prior_carries_no_gradient()
    {
        using var logits = randn(2, 2, 4, 4).requires_grad_();
        using var attention = logits.softmax(-1);
        using var lengths = Lengths(4, 3);
        using var prior = SignificancePrior.FromAttention([attention], lengths);

        Assert.False(prior.requires_grad);
    }

    [Fact]
    public void Maps_that_are_not_B_H_T_T_for_the_lengths_are_a_clear_error()
    {
        using var square = zeros(2, 1, 3, 3);
        using var oblong = zeros(2, 1, 3, 4);
        using var threeClips = Lengths(3, 3, 3);
        using var twoClips = Lengths(3, 3);

        Assert.Contains("(2, 1, 3, 4)", Assert.Throws<ArgumentException>(() => SignificancePrior.FromAttention([oblong], twoClips)).Message);
        Assert.Contains("B = 3", Assert.Throws<ArgumentException>(() => SignificancePrior.FromAttention([square], threeClips)).Message);
        Assert.Throws<ArgumentException>(() => SignificancePrior.FromAttention([], twoClips));
    }
}
