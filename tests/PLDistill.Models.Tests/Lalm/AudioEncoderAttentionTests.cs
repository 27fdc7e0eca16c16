using PLDistill.Models.Lalm;
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
        Assert.Equal(plain.data<float>().ToArray(), frames.data<float>().ToArray());
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
}
