using PLDistill.Models.Lalm;
using TorchSharp;
using static PLDistill.Models.Runtime.KeptScalars;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Losses;

/// <summary>How PDist compares projector outputs.</summary>
public enum PDistKernel
{
    /// <summary>Attention-weighted CKA (PL-Distill): time steps weighted by the teacher LM's attention onto the audio.</summary>
    AttentionWeighted,
    /// <summary>Plain linear CKA, every valid step weighted equally (the ablation).</summary>
    Plain,
}

/// <summary>
/// PDist = 1 − CKA_a(teacher projector outputs, student projector outputs), teacher detached.
/// Teacher and student share the audio frame rate, so their steps correspond one to one; if a teacher ran at another rate,
/// its outputs and weights are linearly resampled in time onto the student's steps.
/// </summary>
public static class PDistLoss
{
    private static readonly Scalar Floor = 1e-12.ToScalar();

    /// <summary>
    /// Mean over the batch of 1 − CKA; a scalar tensor with gradient to the student only. AwCKA's weights come from the
    /// teacher's attention, or are given as <paramref name="teacherWeights"/> (B, Tt), Σ = 1 per clip (stored teacher outputs).
    /// </summary>
    public static Tensor Compute(LalmOutput teacher, LalmOutput student, PDistKernel kernel, AttentionSource source, Tensor? teacherWeights = null)
    {
        using var scope = NewDisposeScope();
        var teacherSteps = teacher.Projected.detach();                                            // (B, Tt, Dt)
        long steps = student.AudioSteps;
        var weights = kernel == PDistKernel.AttentionWeighted
            ? teacherWeights?.detach() ?? AudioAttentionWeights.From(teacher, source)             // (B, Tt)
            : CenteredKernelAlignment.UniformWeights(teacher.AudioLengths, teacher.AudioSteps);
        if (teacher.AudioSteps != steps)
        {
            teacherSteps = ResampleTime(teacherSteps, steps);
            var resampled = ResampleTime(weights.unsqueeze(-1), steps).squeeze(-1).clamp_min(Zero);
            var valid = AttentionMasks.ValidSteps(student.AudioLengths, steps).to(float32);
            weights = resampled * valid / (resampled * valid).sum(1, keepdim: true).clamp_min(Floor);
        }
        var alignment = CenteredKernelAlignment.Compute(teacherSteps, student.Projected, weights);
        return (ones_like(alignment) - alignment).mean().MoveToOuterDisposeScope();   // 1 − CKA
    }

    /// <summary>(B, T, D) -> (B, steps, D) by linear interpolation along time.</summary>
    private static Tensor ResampleTime(Tensor x, long steps) =>
        nn.functional.interpolate(x.transpose(1, 2), size: [steps], mode: InterpolationMode.Linear, align_corners: false).transpose(1, 2);
}
