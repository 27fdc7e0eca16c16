using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using static TorchSharp.torch;

namespace PLDistill.Models.Tests.Lalm;

public sealed class AudioEncoderAttentionTests
{
    [Fact]
    public void Forward_with_attention_returns_the_same_frames_and_one_softmax_map_per_block()
    {
        manual_seed(0);
        using var model = new AudioLanguageModel(LalmConfig.Student);
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var mel = randn(2, 120, 80);
        var lengths = tensor(new long[] { 120, 81 });

        var (plain, plainLengths) = model.Encoder.Forward(mel, lengths);
        var (frames, frameLengths, attention) = model.Encoder.ForwardWithAttention(mel, lengths);

        var config = model.Config.Encoder;
        // The plain pass runs attention as one fused kernel, this one step by step (to keep the weights): the same
        // frames up to float rounding.
        float[] fused = plain.data<float>().ToArray(), stepwise = frames.data<float>().ToArray();
        Assert.Equal(fused.Length, stepwise.Length);
        Assert.All(Enumerable.Range(0, fused.Length), i => Assert.Equal(stepwise[i], fused[i], 1e-4f));
        Assert.Equal(new long[] { 30, 20 }, frameLengths.data<long>().ToArray());
        Assert.Equal(plainLengths.data<long>().ToArray(), frameLengths.data<long>().ToArray());
        Assert.Equal(config.Layers, attention.Count);
        foreach (var map in attention)
        {
            Assert.Equal(new long[] { 2, config.Heads, 30, 30 }, map.shape);
            float[] rows = map.sum(-1).contiguous().data<float>().ToArray();
            Assert.All(rows, sum => Assert.Equal(1f, sum, 1e-4f));
            // the shorter clip's queries give its padded keys (20 …) no weight
            float[] second = map.select(0, 1).narrow(1, 0, 20).narrow(2, 20, 10).contiguous().data<float>().ToArray();
            Assert.All(second, w => Assert.Equal(0f, w, 1e-6f));
        }
    }

    [Fact]
    public void The_fused_inference_attention_equals_the_stepwise_softmax_with_bias_mask_and_cached_keys()
    {
        manual_seed(3);
        using var attention = new SelfAttention(width: 32, heads: 4, dropout: 0.1);
        attention.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = randn(2, 6, 32);
        var pastKeys = randn(2, 4, 5, 8);
        var pastValues = randn(2, 4, 5, 8);
        var bias = randn(4, 6, 11);
        var random = new Random(3);
        float[] maskValues = Enumerable.Range(0, 2 * 6 * 11)
            .Select(i => i % 11 != 10 && random.NextDouble() < 0.3 ? AttentionMasks.Blocked : 0f).ToArray();   // the last key stays open to every query
        var mask = tensor(maskValues, [2, 1, 6, 11]);
        var offset = mask.Plus(bias);   // what a caller hands every block: mask and position bias added once

        foreach (int? lastQueries in new int?[] { null, 2 })
        {
            using var fused = attention.Attend(x, offset, pastKeys, pastValues, lastQueries: lastQueries);
            using var stepwise = attention.Attend(x, offset, pastKeys, pastValues, returnWeights: true, lastQueries: lastQueries);
            float[] a = fused.Output.contiguous().data<float>().ToArray(), b = stepwise.Output.contiguous().data<float>().ToArray();
            Assert.Equal(b.Length, a.Length);
            Assert.All(Enumerable.Range(0, a.Length), i => Assert.Equal(b[i], a[i], 1e-5f));
            Assert.Null(fused.Weights);
            Assert.Equal(stepwise.Keys.contiguous().data<float>().ToArray(), fused.Keys.contiguous().data<float>().ToArray());
        }
    }
}
