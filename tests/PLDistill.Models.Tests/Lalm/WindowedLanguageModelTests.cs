using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using static TorchSharp.torch;

namespace PLDistill.Models.Tests.Lalm;

/// <summary>The student's windowed LM: offline and incremental computations agree, padding changes nothing, and the
/// answer reads only the last W audio tokens.</summary>
public sealed class WindowedLanguageModelTests
{
    private const int Window = 12;

    private static AudioLanguageModel Build(int seed = 5)
    {
        manual_seed(seed);
        var model = new AudioLanguageModel(LalmConfig.Student with
        {
            LanguageModel = LalmConfig.Student.LanguageModel with { AudioWindow = Window },
        });
        model.eval();
        return model;
    }

    private static float[] AnswerOffline(AudioLanguageModel model, Tensor audio)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var (logits, _) = model.Answer(audio.unsqueeze(0), tensor(new[] { audio.shape[0] }));
        return logits[0, -1].data<float>().ToArray();
    }

    /// <summary>One stream, one step: its new audio (n, D) through <see cref="AudioLanguageModel.AnswerStep"/> -> logits (1, V).</summary>
    private static Tensor Step(AudioLanguageModel model, KeyValueCache prompt, Tensor audio, LanguageModelStreamState state) =>
        model.AnswerStep([audio], prompt, [state]);

    private static double MaxDifference(float[] a, float[] b) => a.Zip(b).Max(p => Math.Abs(p.First - p.Second));

    [Theory]
    [InlineData(new[] { 1 })]
    [InlineData(new[] { 3, 0, 5, 7, 2 })]
    [InlineData(new[] { 25, 1 })]
    public void Every_step_equals_the_offline_forward_over_the_whole_stream(int[] chunkPattern)
    {
        using var model = Build();
        using var audio = randn(60, 128);   // five windows long
        using var prompt = model.EncodeAnswerPrompt();
        using var state = model.CreateAnswerStreamState();
        int consumed = 0, chunk = 0;
        double worst = 0;
        while (consumed < audio.shape[0])
        {
            int n = Math.Min(chunkPattern[chunk++ % chunkPattern.Length], (int)audio.shape[0] - consumed);
            float[] online;
            using (inference_mode())
            using (var logits = Step(model, prompt, audio.narrow(0, consumed, n), state))
                online = logits[0].data<float>().ToArray();
            consumed += n;
            if (consumed == 0)
                continue;
            worst = Math.Max(worst, MaxDifference(AnswerOffline(model, audio.narrow(0, 0, consumed)), online));
        }
        Assert.True(worst <= 1e-4, $"max |online - offline| logit = {worst}");
        Assert.Equal(60, state.AudioTokens);
    }

    [Fact]
    public void One_batched_step_over_streams_in_different_states_equals_stepping_each_alone()
    {
        using var model = Build();
        using var prompt = model.EncodeAnswerPrompt();
        int[] history = [0, 4, 12, 30, 7], fresh = [5, 0, 7, 1, 13];
        var audio = history.Select((h, i) => randn(h + fresh[i], 128)).ToArray();
        var alone = history.Select(_ => model.CreateAnswerStreamState()).ToArray();
        var batched = history.Select(_ => model.CreateAnswerStreamState()).ToArray();
        using (inference_mode())
        {
            for (int i = 0; i < history.Length; i++)
                if (history[i] > 0)
                {
                    Step(model, prompt, audio[i].narrow(0, 0, history[i]), alone[i]).Dispose();
                    Step(model, prompt, audio[i].narrow(0, 0, history[i]), batched[i]).Dispose();
                }
            var expected = history.Select((h, i) => Step(model, prompt, audio[i].narrow(0, h, fresh[i]), alone[i])[0].data<float>().ToArray()).ToArray();
            using var together = model.AnswerStep(history.Select((h, i) => audio[i].narrow(0, h, fresh[i])).ToArray(), prompt, batched);
            for (int i = 0; i < history.Length; i++)
            {
                Assert.True(MaxDifference(expected[i], together[i].data<float>().ToArray()) <= 1e-4, $"stream {i}");
                Assert.Equal(alone[i].AudioTokens, batched[i].AudioTokens);
                Assert.Equal(alone[i].Bytes, batched[i].Bytes);
            }
        }
        foreach (var state in alone.Concat(batched))
            state.Dispose();
        foreach (var a in audio)
            a.Dispose();
    }

    [Fact]
    public void The_answer_ignores_audio_older_than_the_window_times_the_depth()
    {
        // Each layer reaches W back, so after Layers x W tokens the oldest audio can no longer matter.
        using var model = Build();
        int reach = model.Config.LanguageModel.Layers * Window;
        using var tail = randn(reach, 128);
        using var a = cat([randn(9, 128), tail]);
        using var b = cat([randn(9, 128).Times(5), tail]);
        Assert.True(MaxDifference(AnswerOffline(model, a), AnswerOffline(model, b)) <= 1e-4);
        using var c = cat([randn(9, 128), tail.narrow(0, 0, reach - 1), randn(1, 128)]);
        Assert.True(MaxDifference(AnswerOffline(model, a), AnswerOffline(model, c)) > 1e-3, "the newest token must matter");
    }

    [Fact]
    public void A_padded_batch_computes_what_each_clip_computes_alone()
    {
        using var model = Build();
        using var first = randn(30, 128);
        using var second = randn(17, 128);
        using var batch = stack([first, cat([second, randn(13, 128)])]);
        float[][] together;
        using (inference_mode())
        {
            var (logits, _) = model.Answer(batch, tensor(new long[] { 30, 17 }));
            together = [logits[0, -1].data<float>().ToArray(), logits[1, -1].data<float>().ToArray()];
            logits.Dispose();
        }
        Assert.True(MaxDifference(AnswerOffline(model, first), together[0]) <= 1e-4);
        Assert.True(MaxDifference(AnswerOffline(model, second), together[1]) <= 1e-4);
    }

    [Fact]
    public void Stream_state_stays_bounded()
    {
        using var model = Build();
        using var prompt = model.EncodeAnswerPrompt();
        using var state = model.CreateAnswerStreamState();
        long bytesAfterWindow = 0;
        for (int i = 0; i < 40; i++)
        {
            using var audio = randn(3, 128);
            using (inference_mode())
                Step(model, prompt, audio, state).Dispose();
            if (i == 10)
                bytesAfterWindow = state.Bytes;
        }
        Assert.Equal(bytesAfterWindow, state.Bytes);
    }

    [Fact]
    public void The_teacher_has_no_incremental_LM()
    {
        manual_seed(0);
        using var teacher = new AudioLanguageModel(LalmConfig.Teacher);
        Assert.False(teacher.Config.LanguageModel.IsStreamable);
        Assert.Throws<InvalidOperationException>(() => teacher.CreateAnswerStreamState());
    }
}
