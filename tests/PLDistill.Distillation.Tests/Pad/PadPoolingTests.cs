using PLDistill.Distillation.Losses.Pad;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Pad;

public sealed class PadPoolingTests
{
    [Fact]
    public void Without_priors_text_pools_to_the_mean_of_its_valid_tokens()
    {
        using var scope = NewDisposeScope();
        using var loss = new PadLoss(new PadOptions { Variant = PadVariant.Global, UsePriors = false }, speechWidth: 2, textWidth: 2);
        var features = tensor(new float[] { 1, 2, 3, 4, 100, 100, /**/ 5, 6, 7, 8, 9, 10 }, [2, 3, 2]);
        var lengths = tensor(new long[] { 2, 3 });

        float[] pooled = loss.PoolText(new PadSequence(features, lengths)).data<float>().ToArray();

        Assert.Equal([2f, 3f, 7f, 8f], pooled);
    }

    [Fact]
    public void Speech_pools_the_projected_frames_with_the_attention_prior()
    {
        using var scope = NewDisposeScope();
        using var loss = new PadLoss(new PadOptions { Variant = PadVariant.Global, PriorLayers = [0] }, speechWidth: 2, textWidth: 3);
        var frames = tensor(new float[] { 1, 0, 0, 1 }, [1, 2, 2]);
        var lengths = tensor(new long[] { 2 });
        var attention = tensor(new float[] { 1, 0, 1, 0 }, [1, 1, 2, 2]);   // every query looks at frame 0 only

        var pooled = loss.PoolSpeech(new PadSequence(frames, lengths, [attention]));
        var expected = loss.Projection.forward(frames.narrow(1, 0, 1)).squeeze(1);   // all weight on frame 0

        Assert.Equal(expected.data<float>().ToArray(), pooled.data<float>().ToArray());
    }
}
