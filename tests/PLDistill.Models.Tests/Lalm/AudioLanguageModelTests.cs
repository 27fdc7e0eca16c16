using PLDistill.Audio.Data;
using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using static TorchSharp.torch;

namespace PLDistill.Models.Tests.Lalm;

public sealed class AudioLanguageModelTests
{
    private static AudioLanguageModel Build(LalmConfig config, int seed = 0)
    {
        manual_seed(seed);
        var model = new AudioLanguageModel(config);
        model.eval();
        return model;
    }

    [Fact]
    public void Teacher_has_seven_to_eight_times_the_students_parameters()
    {
        using var student = Build(LalmConfig.Student);
        using var teacher = Build(LalmConfig.Teacher);
        double ratio = (double)teacher.ParameterCount / student.ParameterCount;
        Assert.InRange(ratio, 7.0, 8.5);
        Assert.NotEqual(student.Config.LanguageModel.Width, teacher.Config.LanguageModel.Width); // PDist must bridge widths
    }

    [Fact]
    public void The_minimum_parameter_count_is_a_lower_bound_and_a_close_one()
    {
        // Checkpoints are refused when they store fewer values than this bound: it must never exceed a real model's count.
        LalmConfig[] configs =
        [
            LalmConfig.Student,
            LalmConfig.Teacher,
            new() { Encoder = new EncoderConfig { Width = 64, Layers = 1, Heads = 2, FeedForwardMultiplier = 1 },
                    LanguageModel = new LanguageModelConfig { Width = 8, Layers = 1, Heads = 1, MaxPositions = 16 } },
            new() { Encoder = new EncoderConfig { Width = 192, Layers = 5, Heads = 3, FeedForwardMultiplier = 2 },
                    LanguageModel = new LanguageModelConfig { Width = 320, Layers = 4, Heads = 5, FeedForwardMultiplier = 8 } },
        ];
        foreach (var config in configs)
        {
            using var model = Build(config);
            double bound = config.MinimumParameterCount(model.Vocabulary.Count);
            Assert.InRange(bound, 1, model.ParameterCount);
            // Close for the shapes we ship, so a claimed model cannot be much larger than its stored weights.
            if (config == LalmConfig.Student || config == LalmConfig.Teacher)
                Assert.True(bound >= 0.8 * model.ParameterCount, $"{bound} of {model.ParameterCount}");
        }
    }

    [Fact]
    public void Output_layout_is_prefix_audio_suffix_at_25_frames_per_second()
    {
        using var model = Build(LalmConfig.Student);
        using var mel = randn(2, 300, 80);
        using var lengths = tensor(new long[] { 300, 203 });
        using var output = model.Forward(mel, lengths, returnAttention: true);

        Assert.Equal(new long[] { 2, 75, 128 }, output.Projected.shape);
        Assert.Equal(new long[] { 75, 50 }, output.AudioLengths.data<long>().ToArray());
        long steps = output.PrefixLength + 75 + output.SuffixLength;
        Assert.Equal(new long[] { 2, steps, model.Vocabulary.Count }, output.Logits.shape);
        Assert.Equal(model.Config.LanguageModel.Layers, output.Attention.Count);
        Assert.Equal(new long[] { 2, 4, steps, steps }, output.Attention[0].shape);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_padded_batch_answers_exactly_as_each_clip_alone(bool teacher)
    {
        using var model = Build(teacher ? LalmConfig.Teacher : LalmConfig.Student);
        using var longClip = randn(1, 320, 80);
        using var shortClip = randn(1, 180, 80);
        using var batch = cat([longClip, nn.functional.pad(shortClip, [0, 0, 0, 140])], 0);
        using var lengths = tensor(new long[] { 320, 180 });

        using var together = model.Forward(batch, lengths);
        using var alone = model.Forward(shortClip, tensor(new long[] { 180 }));

        float difference = (together.AnswerLogits[1] - alone.AnswerLogits[0]).abs().max().item<float>();
        Assert.True(difference < 1e-4f, $"answer logits differ by {difference}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_answer_only_path_gives_the_forward_passes_answer_for_every_clip_of_a_padded_batch(bool teacher)
    {
        using var model = Build(teacher ? LalmConfig.Teacher : LalmConfig.Student, seed: 3);
        using var mel = randn(3, 320, 80);
        using var lengths = tensor(new long[] { 320, 180, 77 });

        using var full = model.Forward(mel, lengths);
        using var answer = model.AnswerLogits(mel, lengths);

        Assert.Equal(full.AnswerLogits.shape, answer.shape);
        float difference = (full.AnswerLogits - answer).abs().max().item<float>();
        Assert.True(difference < 1e-4f, $"answer logits differ by {difference}");
    }

    [Fact]
    public void The_streaming_encoder_never_looks_ahead()
    {
        using var model = Build(LalmConfig.Student);
        using var mel = randn(1, 400, 80);
        using var changed = mel.clone();
        changed.narrow(1, 200, 200).copy_(changed.narrow(1, 200, 200).Plus(3));   // alter only the future beyond mel frame 200 (encoder frame 50)
        using var all = tensor(new long[] { 400 });

        var (a, _) = model.Encoder.Forward(mel, all);
        var (b, _) = model.Encoder.Forward(changed, all);
        float past = (a.narrow(1, 0, 50) - b.narrow(1, 0, 50)).abs().max().item<float>();
        float future = (a.narrow(1, 50, 50) - b.narrow(1, 50, 50)).abs().max().item<float>();
        Assert.True(past < 1e-5f, $"frames before the change moved by {past}");
        Assert.True(future > 1e-2f, "frames after the change must react to it");
    }

    [Fact]
    public void Class_logits_pick_the_label_words_in_class_order()
    {
        using var model = Build(LalmConfig.Student);
        using var answer = KeptScalarOperations.Positions(model.Vocabulary.Count, CPU).to(float32).unsqueeze(0);   // logit = token id
        using var classes = model.ClassLogits(answer, EmotionLabelSet.Four);
        var expected = EmotionLabelSet.Four.Words.Select(w => (float)model.Vocabulary.Id(w)).ToArray();
        Assert.Equal(expected, classes.data<float>().ToArray());
    }
}
