using PLDistill.Distillation.Losses.Pad;
using static PLDistill.Distillation.Tests.Losses.Pad.PadTensors;

namespace PLDistill.Distillation.Tests.Losses.Pad;

public sealed class SpanAnchorsTests
{
    [Fact]
    public void Most_significant_anchors_are_the_top_prior_frames_in_order()
    {
        using var prior = Row(0.1f, 0.5f, 0.05f, 0.3f, 0.05f, 0);
        using var lengths = Lengths(5);
        using var anchors = SpanAnchors.MostSignificant(prior, lengths, 2);

        Assert.Equal(new long[] { 1, 3 }, Indices(anchors));
    }

    [Fact]
    public void Padding_is_never_an_anchor_and_missing_anchors_are_marked()
    {
        // A valid frame with prior 0 still outranks padding; past the 3 valid frames, anchors are missing.
        using var prior = Row(0.5f, 0.5f, 0, 0, 0, 0);
        using var lengths = Lengths(3);
        using var anchors = SpanAnchors.MostSignificant(prior, lengths, 4);

        var found = Indices(anchors);
        Assert.Equal(new long[] { 0, 1, 2 }, found.Take(3).Order());
        Assert.Equal(SpanAnchors.Missing, found[3]);
    }

    [Fact]
    public void More_anchors_than_frames_gives_one_per_frame()
    {
        using var prior = Row(0.7f, 0.3f);
        using var lengths = Lengths(2);
        using var anchors = SpanAnchors.MostSignificant(prior, lengths, 8);

        Assert.Equal(new long[] { 0, 1 }, Indices(anchors));
    }

    [Fact]
    public void Evenly_spaced_anchors_sit_at_the_centres_of_equal_parts_of_the_valid_frames()
    {
        using var lengths = Lengths(10, 3);
        using var anchors = SpanAnchors.EvenlySpaced(lengths, 10, 2);
        using var many = SpanAnchors.EvenlySpaced(lengths, 10, 5);

        Assert.Equal(new long[] { 2, 7, 0, 2 }, Indices(anchors));                                // ⌊10/4⌋, ⌊30/4⌋; ⌊3/4⌋, ⌊9/4⌋
        Assert.Equal(new long[] { 1, 3, 5, 7, 9, 0, 1, 2, -1, -1 }, Indices(many));
    }

    [Fact]
    public void Fewer_than_one_anchor_is_a_clear_error()
    {
        using var prior = Row(1);
        using var lengths = Lengths(1);

        Assert.Contains("0", Assert.Throws<ArgumentException>(() => SpanAnchors.MostSignificant(prior, lengths, 0)).Message);
        Assert.Contains("-3", Assert.Throws<ArgumentException>(() => SpanAnchors.EvenlySpaced(lengths, 1, -3)).Message);
    }
}
