using PLDistill.Streaming.Engine;

namespace PLDistill.Streaming.Tests.Engine;

public sealed class ProbabilitySmootherTests
{
    [Fact]
    public void A_non_finite_hop_is_left_out_of_the_average()
    {
        var smoother = new ProbabilitySmoother(0.5);

        var first = smoother.Next([float.NaN, 0.5f]);          // before any finite hop: returned, not kept
        var second = smoother.Next([0.2f, 0.8f]);              // starts the average
        var third = smoother.Next([float.PositiveInfinity, 0f]);
        var fourth = smoother.Next([0.6f, 0.4f]);

        Assert.Equal([float.NaN, 0.5f], first);
        Assert.Equal([0.2f, 0.8f], second);
        Assert.Equal([0.2f, 0.8f], third);
        Assert.Equal([0.4f, 0.6f], fourth);
    }

    [Fact]
    public void The_most_probable_class_is_the_largest_finite_value_or_none()
    {
        Assert.Equal(1, ProbabilitySmoother.MostProbable([0.2f, 0.5f, 0.5f, 0.3f]));   // the first of a tie
        Assert.Equal(2, ProbabilitySmoother.MostProbable([float.NaN, 0.1f, 0.4f]));
        Assert.Equal(-1, ProbabilitySmoother.MostProbable([float.NaN, float.NegativeInfinity]));
    }
}
