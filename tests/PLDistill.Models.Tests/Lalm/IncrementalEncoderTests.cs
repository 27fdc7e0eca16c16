using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using static TorchSharp.torch;

namespace PLDistill.Models.Tests.Lalm;

public sealed class IncrementalEncoderTests
{
    private static AudioLanguageModel Student()
    {
        manual_seed(21);
        var model = new AudioLanguageModel(LalmConfig.Student);
        model.eval();
        model.Encoder.SetNormalization(ones(80).Times(-5), ones(80).Times(3));
        return model;
    }

    [Theory]
    [InlineData(25)]   // a 250 ms hop of 10 ms mel frames: 6 or 7 encoder frames per step
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(160)]
    public void Incremental_steps_equal_the_offline_encoder_over_the_whole_stream(int chunk)
    {
        using var model = Student();
        using var mel = randn(1, 1003, 80).Times(3).Minus(5);   // 10 s: far beyond the 50-frame window, so caches roll over
        using var inference = inference_mode();
        var (offline, _) = model.Encoder.Forward(mel, tensor(new long[] { 1003 }));

        using var state = model.Encoder.CreateStreamState();
        var pieces = new List<Tensor>();
        for (long at = 0; at < 1003; at += chunk)
            pieces.Add(model.Encoder.Step(mel.narrow(1, at, Math.Min(chunk, 1003 - at)), state));
        using var incremental = cat(pieces, 1);

        Assert.Equal(offline.shape, incremental.shape);
        Assert.Equal(250, state.FramesEncoded);
        float worst = (offline - incremental).abs().max().item<float>();
        Assert.True(worst <= 1e-4f, $"max |incremental - offline| = {worst}");
    }

    [Fact]
    public void The_stream_state_stays_bounded_however_long_the_stream_runs()
    {
        using var model = Student();
        using var inference = inference_mode();
        using var state = model.Encoder.CreateStreamState();
        long? sizeAfterWarmUp = null;
        for (int hop = 0; hop < 200; hop++)   // 50 s of audio
        {
            using var step = model.Encoder.Step(randn(1, 25, 80), state);
            if (hop == 40)
                sizeAfterWarmUp = state.Bytes;
        }
        Assert.InRange(state.Bytes, 1, (long)(sizeAfterWarmUp! * 1.01));
    }

    [Fact]
    public void A_full_context_teacher_refuses_to_stream()
    {
        using var teacher = new AudioLanguageModel(LalmConfig.Teacher);
        Assert.Throws<InvalidOperationException>(() => teacher.Encoder.CreateStreamState());
    }
}
