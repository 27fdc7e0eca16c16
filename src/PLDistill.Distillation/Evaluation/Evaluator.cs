using PLDistill.Audio.Data;
using PLDistill.Distillation.Data;
using PLDistill.Models.Lalm;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Evaluation;

/// <summary>Runs a model over whole clips in batches and scores its answers.</summary>
public static class Evaluator
{
    /// <summary>The predicted class of every clip (argmax over the label set's answer words) and the metrics.</summary>
    public static EmotionMetrics Evaluate(AudioLanguageModel model, IReadOnlyList<FeatureClip> clips, EmotionLabelSet labels,
                                          Device device, int batchSize = 32)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            return Evaluate((mel, lengths) => model.ClassLogits(model.AnswerLogits(mel, lengths), labels), model.Config.Encoder.MelBins,
                            clips, labels, device, batchSize);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>The same for a teacher ensemble (its members' answers averaged); the ensemble is left in eval mode.</summary>
    public static EmotionMetrics Evaluate(ModelEnsemble teacher, IReadOnlyList<FeatureClip> clips, EmotionLabelSet labels,
                                          Device device, int batchSize = 32)
    {
        teacher.Eval();
        return Evaluate((mel, lengths) => teacher.ClassLogits(teacher.AnswerLogits(mel, lengths), labels), teacher.Config.Encoder.MelBins,
                        clips, labels, device, batchSize);
    }

    private static EmotionMetrics Evaluate(Func<Tensor, Tensor, Tensor> classLogits, int melBins, IReadOnlyList<FeatureClip> clips,
                                           EmotionLabelSet labels, Device device, int batchSize)
    {
        var builder = new BatchBuilder(clips, melBins);
        var truth = new List<int>(clips.Count);
        var predicted = new List<int>(clips.Count);
        using var inference = inference_mode();
        foreach (int[] indices in builder.Order(batchSize, random: null))
        {
            using var scope = NewDisposeScope();
            using var batch = builder.Make(indices, maxFrames: null, random: null);
            var classes = classLogits(batch.Mel.to(device), batch.Lengths.to(device)).argmax(1).cpu();
            predicted.AddRange(classes.data<long>().ToArray().Select(v => (int)v));
            truth.AddRange(batch.Targets.data<long>().ToArray().Select(v => (int)v));
        }
        return EmotionMetrics.FromPredictions(truth, predicted, labels.Words);
    }
}
