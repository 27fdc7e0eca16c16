using PLDistill.Distillation.Losses;
using PLDistill.Models.Lalm;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Losses;

public sealed class DistillationLossTests
{
    private static readonly Scalar Fifty = 50.ToScalar();

    private static (AudioLanguageModel Teacher, AudioLanguageModel Student) Models()
    {
        manual_seed(11);
        var teacher = new AudioLanguageModel(LalmConfig.Teacher);
        var student = new AudioLanguageModel(LalmConfig.Student);
        teacher.eval();
        student.eval();
        return (teacher, student);
    }

    private static (Tensor Mel, Tensor Lengths) Batch()
    {
        manual_seed(12);
        return (randn(2, 240, 80), tensor(new long[] { 240, 160 }));
    }

    [Fact]
    public void LDist_is_zero_against_itself_and_positive_against_another_model()
    {
        var (teacher, student) = Models();
        var (mel, lengths) = Batch();
        using var t = teacher.Forward(mel, lengths);
        using var s = student.Forward(mel, lengths);
        var options = new LDistOptions();
        Assert.Equal(0.0, LDistLoss.Compute(s, s, options).item<float>(), 5);
        Assert.True(LDistLoss.Compute(t, s, options).item<float>() > 1e-4);
    }

    [Fact]
    public void LDist_ignores_padded_audio_positions_and_weights_audio_and_text_separately()
    {
        var (teacher, student) = Models();
        var (mel, lengths) = Batch();
        using var t = teacher.Forward(mel, lengths);
        using var s = student.Forward(mel, lengths);
        double audioOnly = LDistLoss.Compute(t, s, new LDistOptions { TextWeight = 0 }).item<float>();
        double textOnly = LDistLoss.Compute(t, s, new LDistOptions { AudioWeight = 0 }).item<float>();
        double both = LDistLoss.Compute(t, s, new LDistOptions()).item<float>();
        Assert.Equal(audioOnly + textOnly, both, 4);

        // Scribble over the teacher's logits at row 1's padded audio steps (40..59): nothing may change.
        long start = t.PrefixLength + 40;
        t.Logits[1].narrow(0, start, 20).fill_(Fifty);
        Assert.Equal(audioOnly, LDistLoss.Compute(t, s, new LDistOptions { TextWeight = 0 }).item<float>(), 5);
    }

    [Fact]
    public void PDist_with_awcka_uses_teacher_attention_and_differs_from_plain_cka()
    {
        var (teacher, student) = Models();
        var (mel, lengths) = Batch();
        using var t = teacher.Forward(mel, lengths, returnAttention: true);
        using var s = student.Forward(mel, lengths);
        var source = new AttentionSource();
        using var weights = AudioAttentionWeights.From(t, source);
        Assert.Equal(new long[] { 2, 60 }, weights.shape);
        Assert.Equal(1.0, weights[0].sum().item<float>(), 4);
        Assert.Equal(0.0, weights[1].narrow(0, 40, 20).abs().sum().item<float>(), 6);

        double aw = PDistLoss.Compute(t, s, PDistKernel.AttentionWeighted, source).item<float>();
        double plain = PDistLoss.Compute(t, s, PDistKernel.Plain, source).item<float>();
        Assert.InRange(aw, 0.0, 1.0);
        Assert.InRange(plain, 0.0, 1.0);
        Assert.NotEqual(aw, plain, 4);
        Assert.Equal(0.0, PDistLoss.Compute(t, t, PDistKernel.Plain, source).item<float>(), 4);
    }

    [Fact]
    public void Attention_source_out_of_range_is_a_clear_error()
    {
        var (teacher, _) = Models();
        var (mel, lengths) = Batch();
        using var t = teacher.Forward(mel, lengths, returnAttention: true);
        var error = Assert.Throws<ArgumentException>(() => AudioAttentionWeights.From(t, new AttentionSource { Layers = [7] }));
        Assert.Contains("3 layers", error.Message, StringComparison.Ordinal);
        using var noAttention = teacher.Forward(mel, lengths);
        Assert.Throws<ArgumentException>(() => AudioAttentionWeights.From(noAttention, new AttentionSource()));
    }

    [Fact]
    public void Baselines_are_zero_for_a_perfect_student_and_give_gradients_otherwise()
    {
        var (teacher, student) = Models();
        var (mel, lengths) = Batch();
        using var t = teacher.Forward(mel, lengths);
        using var s = student.Forward(mel, lengths);
        Assert.Equal(0.0, BaselineLosses.AnswerLogitDistillation(t, t, 2.0).item<float>(), 5);

        using var hint = nn.Linear(student.Config.LanguageModel.Width, teacher.Config.LanguageModel.Width);
        using var fit = BaselineLosses.FitNets(t, s, hint);
        fit.backward();
        Assert.True(hint.weight!.grad!.abs().sum().item<float>() > 0);
    }
}
