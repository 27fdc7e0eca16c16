using PLDistill.Models.Lalm;
using TorchSharp;
using static PLDistill.Models.Runtime.KeptScalars;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Losses;

/// <summary>
/// LDist = τ² (w_audio · KL_audio + w_text · KL_text), each KL(p_teacher^τ ‖ p_student^τ) over next-token distributions,
/// averaged over the valid audio positions and over the text positions after the audio. Teacher and student share the
/// vocabulary and the sequence layout.
/// </summary>
public static class LDistLoss
{
    /// <summary>The loss (scalar); gradient flows to the student only.</summary>
    public static Tensor Compute(LalmOutput teacher, LalmOutput student, LDistOptions options)
    {
        if (!teacher.Logits.shape.SequenceEqual(student.Logits.shape))
            throw new ArgumentException($"teacher logits {Shape(teacher.Logits)} and student logits {Shape(student.Logits)} must match for LDist");
        using var scope = NewDisposeScope();
        var perPosition = KullbackLeibler(teacher.Logits.detach(), student.Logits, options.Temperature);    // (B, S)

        var audio = perPosition.narrow(1, student.PrefixLength, student.AudioSteps);                          // (B, Ta)
        var valid = AttentionMasks.ValidSteps(student.AudioLengths, student.AudioSteps).to(float32);
        var audioLoss = (audio * valid).sum() / valid.sum().clamp_min(One);
        var textLoss = perPosition.narrow(1, perPosition.size(1) - student.SuffixLength, student.SuffixLength).mean();

        using var scale = (options.Temperature * options.Temperature).ToScalar();
        using var audioWeight = options.AudioWeight.ToScalar();
        using var textWeight = options.TextWeight.ToScalar();
        return (scale * (audioWeight * audioLoss).add(textWeight * textLoss, One)).MoveToOuterDisposeScope();
    }

    /// <summary>KL(softmax(t/τ) ‖ softmax(s/τ)) over the last dimension, per position.</summary>
    public static Tensor KullbackLeibler(Tensor teacherLogits, Tensor studentLogits, double temperature)
    {
        using var scope = NewDisposeScope();
        using var tau = temperature.ToScalar();
        var teacherLog = (teacherLogits / tau).log_softmax(-1);
        var studentLog = (studentLogits / tau).log_softmax(-1);
        return (teacherLog.exp() * (teacherLog - studentLog)).sum(-1).MoveToOuterDisposeScope();
    }

    private static string Shape(Tensor t) => $"({string.Join(", ", t.shape)})";
}
