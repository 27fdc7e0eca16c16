using PLDistill.Models.Lalm;
using TorchSharp;
using static PLDistill.Models.Runtime.KeptScalars;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Losses;

/// <summary>The knowledge-distillation baselines PL-Distill is compared with.</summary>
public static class BaselineLosses
{
    private static readonly Scalar Two = 2.ToScalar();   // x.pow(Two): square() makes its own Scalar 2

    /// <summary>Logits-only KD (Hinton et al.): τ² KL(p_teacher^τ ‖ p_student^τ) at the answer position only.</summary>
    public static Tensor AnswerLogitDistillation(LalmOutput teacher, LalmOutput student, double temperature)
    {
        using var scope = NewDisposeScope();
        var kl = LDistLoss.KullbackLeibler(teacher.AnswerLogits.detach(), student.AnswerLogits, temperature);
        using var scale = (temperature * temperature).ToScalar();
        return (scale * kl.mean()).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// FitNets hint loss: mean squared error between the teacher's projector outputs and the student's, mapped to the
    /// teacher's width by a learned <paramref name="hint"/> layer, over valid steps.
    /// </summary>
    public static Tensor FitNets(LalmOutput teacher, LalmOutput student, nn.Module<Tensor, Tensor> hint)
    {
        if (teacher.AudioSteps != student.AudioSteps)
            throw new ArgumentException($"FitNets needs equal time steps (teacher {teacher.AudioSteps}, student {student.AudioSteps})");
        using var scope = NewDisposeScope();
        var mapped = hint.forward(student.Projected);                                              // (B, T, Dt)
        var valid = AttentionMasks.ValidSteps(student.AudioLengths, student.AudioSteps).to(float32).unsqueeze(-1);
        var squared = (mapped - teacher.Projected.detach()).pow(Two) * valid;
        using var width = mapped.size(2).ToScalar();
        return (squared.sum() / (valid.sum() * width).clamp_min(One)).MoveToOuterDisposeScope();
    }
}
