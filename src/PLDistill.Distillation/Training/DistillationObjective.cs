using PLDistill.Audio.Data;
using PLDistill.Distillation.Losses;
using PLDistill.Models.Lalm;
using TorchSharp;
using static PLDistill.Models.Runtime.KeptScalars;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Training;

/// <summary>
/// Total = CE(answer) + α·LDist + β·PDist for PL-Distill, and the single-term variants and baselines of
/// <see cref="DistillationMethod"/>. CE scores the answer among the label set's words (EmoBox maps the word to a class).
/// </summary>
public sealed class DistillationObjective
{
    private readonly DistillationMethod method;
    private readonly LossSection loss;
    private readonly EmotionLabelSet labels;
    private readonly nn.Module<Tensor, Tensor>? fitNetsHint;

    /// <summary>An objective; <paramref name="fitNetsHint"/> is required for <see cref="DistillationMethod.FitNets"/>.</summary>
    public DistillationObjective(DistillationMethod method, LossSection loss, EmotionLabelSet labels, nn.Module<Tensor, Tensor>? fitNetsHint = null)
    {
        this.method = method;
        this.loss = loss;
        this.labels = labels;
        this.fitNetsHint = fitNetsHint;
        if (method == DistillationMethod.FitNets && fitNetsHint is null)
            throw new ArgumentException("FitNets needs a hint projection", nameof(fitNetsHint));
    }

    /// <summary>True when the teacher must return its LM attention (AwCKA).</summary>
    public bool NeedsTeacherAttention => method is DistillationMethod.PDistAwCka or DistillationMethod.PlDistill;

    /// <summary>
    /// The total loss (scalar) and each term's value for logging. <paramref name="teacherWeights"/> gives AwCKA's weights
    /// when the teacher output carries no attention (stored teacher outputs).
    /// </summary>
    public (Tensor Total, Dictionary<string, double> Terms) Compute(AudioLanguageModel student, LalmOutput studentOutput, LalmOutput? teacherOutput,
                                                                    Tensor targets, Tensor? teacherWeights = null)
    {
        using var scope = NewDisposeScope();
        var terms = new Dictionary<string, double>();
        var classLogits = student.ClassLogits(studentOutput.AnswerLogits, labels);
        var total = nn.functional.cross_entropy(classLogits, targets, label_smoothing: loss.LabelSmoothing);
        terms["ce"] = total.item<float>();

        if (method != DistillationMethod.None)
        {
            var teacher = teacherOutput ?? throw new ArgumentException($"method {method} needs the teacher's output");
            void Add(string name, double weight, Tensor term)
            {
                terms[name] = term.item<float>();
                using var w = weight.ToScalar();
                total = total.add(w * term, One);
            }
            var lDist = new LDistOptions { Temperature = loss.Temperature, AudioWeight = loss.AudioWeight, TextWeight = loss.TextWeight };
            switch (method)
            {
                case DistillationMethod.LogitKd:
                    Add("logit_kd", loss.Gamma, BaselineLosses.AnswerLogitDistillation(teacher, studentOutput, loss.Temperature));
                    break;
                case DistillationMethod.FitNets:
                    Add("fitnets", loss.Gamma, BaselineLosses.FitNets(teacher, studentOutput, fitNetsHint!));
                    break;
                case DistillationMethod.LDist:
                    Add("ldist", loss.Alpha, LDistLoss.Compute(teacher, studentOutput, lDist));
                    break;
                case DistillationMethod.PDistCka:
                    Add("pdist", loss.Beta, PDistLoss.Compute(teacher, studentOutput, PDistKernel.Plain, loss.Attention));
                    break;
                case DistillationMethod.PDistAwCka:
                    Add("pdist", loss.Beta, PDistLoss.Compute(teacher, studentOutput, PDistKernel.AttentionWeighted, loss.Attention, teacherWeights));
                    break;
                case DistillationMethod.PlDistill:
                    Add("ldist", loss.Alpha, LDistLoss.Compute(teacher, studentOutput, lDist));
                    Add("pdist", loss.Beta, PDistLoss.Compute(teacher, studentOutput, PDistKernel.AttentionWeighted, loss.Attention, teacherWeights));
                    break;
            }
        }
        return (total.MoveToOuterDisposeScope(), terms);
    }
}
