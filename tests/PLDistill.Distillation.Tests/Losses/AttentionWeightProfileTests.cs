using PLDistill.Distillation.Losses;

namespace PLDistill.Distillation.Tests.Losses;

public sealed class AttentionWeightProfileTests
{
    [Fact]
    public void Uniform_weights_are_plain_CKA_and_one_step_is_the_other_extreme()
    {
        var uniform = AttentionWeightProfile.Of([Enumerable.Repeat(0.5f, 20).ToArray()]);   // renormalised: 1/20 each
        Assert.Equal(1, uniform.Windows);
        Assert.Equal(1.0, uniform.EffectiveShare, 9);
        Assert.Equal(0.1, uniform.TopTenthMass, 9);   // 2 of 20 steps
        Assert.Equal(1.0, uniform.PeakRatio, 9);

        float[] oneStep = new float[20];
        oneStep[7] = 3f;
        var peaked = AttentionWeightProfile.Of([oneStep]);
        Assert.Equal(1.0 / 20, peaked.EffectiveShare, 9);
        Assert.Equal(1.0, peaked.TopTenthMass, 9);
        Assert.Equal(20.0, peaked.PeakRatio, 9);
    }

    [Fact]
    public void Windows_are_averaged_and_a_top_tenth_rounds_up()
    {
        // Two equal steps of four: exp(H) = 2, half the steps; the top tenth of 4 steps is 1 step, half the weight.
        var half = AttentionWeightProfile.Of([[1f, 1f, 0f, 0f], [0f, 0f, 0f, 1f]]);
        Assert.Equal(2, half.Windows);
        Assert.Equal((0.5 + 0.25) / 2, half.EffectiveShare, 9);
        Assert.Equal((0.5 + 1.0) / 2, half.TopTenthMass, 9);
        Assert.Equal((2.0 + 4.0) / 2, half.PeakRatio, 9);
    }

    [Fact]
    public void Nothing_to_profile_or_a_window_that_is_not_weights_is_refused()
    {
        Assert.Throws<ArgumentException>(() => AttentionWeightProfile.Of([]));
        Assert.Throws<ArgumentException>(() => AttentionWeightProfile.Of([[]]));
        Assert.Throws<ArgumentException>(() => AttentionWeightProfile.Of([[0f, 0f]]));
        Assert.Throws<ArgumentException>(() => AttentionWeightProfile.Of([[1f, -0.5f]]));
        var error = Assert.Throws<ArgumentException>(() => AttentionWeightProfile.Of([[1f], [float.NaN]]));
        Assert.Contains("window 1", error.Message, StringComparison.Ordinal);
    }
}
