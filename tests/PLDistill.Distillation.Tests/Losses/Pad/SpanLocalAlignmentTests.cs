using PLDistill.Distillation.Losses.Pad;
using TorchSharp;
using static PLDistill.Distillation.Tests.Losses.Pad.PadTensors;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Losses.Pad;

public sealed class SpanLocalAlignmentTests
{
    private static readonly Scalar Thousand = 1000.ToScalar();

    private static Tensor Anchors(params long[] frames) => tensor(frames).unsqueeze(0);

    [Fact]
    public void Spans_of_each_width_are_centred_on_the_anchor_and_clipped_to_the_valid_frames()
    {
        using var anchors = Anchors(5, 1);
        using var lengths = Lengths(8);                                                           // of 10 frames
        var (start, end) = SpanLocalAlignment.Spans(anchors, lengths, [2, 4, 8]);
        using (start)
        using (end)
        {
            // width 2: [a, a+1]; width 4: [a−1, a+2]; width 8: [a−3, a+4], clipped to [0, 7].
            Assert.Equal(new long[] { 5, 1, 4, 0, 2, 0 }, Indices(start));
            Assert.Equal(new long[] { 6, 2, 7, 3, 7, 5 }, Indices(end));
        }
    }

    [Fact]
    public void Widths_longer_than_the_clip_cover_exactly_its_valid_frames()
    {
        using var anchors = Anchors(1);
        using var lengths = Lengths(4);
        var (start, end) = SpanLocalAlignment.Spans(anchors, lengths, [1, 100]);
        using (start)
        using (end)
        {
            Assert.Equal(new long[] { 1, 0 }, Indices(start));
            Assert.Equal(new long[] { 1, 3 }, Indices(end));
        }
    }

    [Fact]
    public void A_missing_anchor_gives_an_empty_span()
    {
        using var anchors = Anchors(0, SpanAnchors.Missing);
        using var lengths = Lengths(1);
        var (start, end) = SpanLocalAlignment.Spans(anchors, lengths, [3]);
        using (start)
        using (end)
        {
            Assert.True(Indices(end)[1] < Indices(start)[1]);
            Assert.Equal(new long[] { 0, 0 }, Indices(start));
            Assert.Equal(new long[] { 0, -1 }, Indices(end));
        }
    }

    [Fact]
    public void Span_means_average_only_the_frames_inside_and_never_padding()
    {
        // Frame i is (i, 1); frames 8 and 9 are padding filled with 1000. Anchor 6, width 8: [3, 7] after clipping.
        using var speech = tensor(Enumerable.Range(0, 10).SelectMany(i => new[] { (float)i, 1f }).ToArray()).view(1, 10, 2);
        speech[0].narrow(0, 8, 2).fill_(Thousand);
        using var anchors = Anchors(6);
        using var lengths = Lengths(8);
        var (start, end) = SpanLocalAlignment.Spans(anchors, lengths, [1, 8]);
        using (start)
        using (end)
        using (var means = SpanLocalAlignment.SpanMeans(speech, start, end))
            Assert.Equal(new[] { 6f, 1f, 5f, 1f }, Values(means), new FloatTolerance(1e-5f));
    }

    [Fact]
    public void A_token_equal_to_the_mean_of_a_span_around_the_top_anchor_matches_with_cosine_one()
    {
        // One-hot frames; the top anchor is frame 2, and the token is the mean of frames 1..3 (width 3 around it).
        using var speech = Clip(Unit(0, 6), Unit(1, 6), Unit(2, 6), Unit(3, 6), Unit(4, 6), Unit(5, 6));
        using var lengths = Lengths(6);
        using var prior = Row(0.1f, 0.1f, 0.5f, 0.1f, 0.1f, 0.1f);
        using var anchors = SpanAnchors.MostSignificant(prior, lengths, 1);
        using var text = Clip([0, 1, 1, 1, 0, 0]);
        using var textPrior = Row(1);

        Assert.Equal(-1.0, SpanLocalAlignment.Compute(speech, lengths, anchors, text, textPrior, [1, 3, 6]).item<float>(), 5);
        // Without the width-3 span, the best is the anchor frame alone, cos(e₂, e₁ + e₂ + e₃) = 1/√3.
        Assert.Equal(-1 / Math.Sqrt(3), SpanLocalAlignment.Compute(speech, lengths, anchors, text, textPrior, [1]).item<float>(), 5);
    }

    [Fact]
    public void Each_token_chooses_its_own_granularity()
    {
        using var speech = Clip(Unit(0, 4), Unit(1, 4), Unit(2, 4), Unit(3, 4));
        using var lengths = Lengths(4);
        using var anchors = Anchors(1);
        using var text = Clip([0, 1, 0, 0], [1, 1, 1, 0]);                                      // width 1, then width 3
        using var textPrior = Row(0.5f, 0.5f);

        Assert.Equal(-1.0, SpanLocalAlignment.Compute(speech, lengths, anchors, text, textPrior, [1, 3]).item<float>(), 5);
    }

    [Fact]
    public void Missing_anchors_never_match_even_when_every_real_span_points_away()
    {
        // One valid frame (1, 0); an empty span's mean is 0 (cosine 0), which would beat −1 if it could be matched.
        using var speech = Clip([1, 0], [0, 0], [0, 0]);
        using var lengths = Lengths(1);
        using var prior = Row(1, 0, 0);
        using var anchors = SpanAnchors.MostSignificant(prior, lengths, 3);
        using var text = Clip([-1, 0]);
        using var textPrior = Row(1);

        Assert.Equal(1.0, SpanLocalAlignment.Compute(speech, lengths, anchors, text, textPrior, [1, 2]).item<float>(), 5);
    }

    [Fact]
    public void Empty_or_non_positive_widths_are_a_clear_error()
    {
        using var anchors = Anchors(0);
        using var lengths = Lengths(1);

        Assert.Throws<ArgumentException>(() => SpanLocalAlignment.Spans(anchors, lengths, []));
        Assert.Contains("0", Assert.Throws<ArgumentException>(() => SpanLocalAlignment.Spans(anchors, lengths, [2, 0])).Message);
    }
}
