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
        var builder = new BatchBuilder(clips, model.Config.Encoder.MelBins);
        var truth = new List<int>(clips.Count);
        var predicted = new List<int>(clips.Count);
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var inference = inference_mode();
            foreach (int[] indices in builder.Order(batchSize, random: null))
            {
                using var scope = NewDisposeScope();
                using var batch = builder.Make(indices, maxFrames: null, random: null);
                using var output = model.Forward(batch.Mel.to(device), batch.Lengths.to(device));
                var classes = model.ClassLogits(output.AnswerLogits, labels).argmax(1).cpu();
                predicted.AddRange(classes.data<long>().ToArray().Select(v => (int)v));
                truth.AddRange(batch.Targets.data<long>().ToArray().Select(v => (int)v));
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        return EmotionMetrics.FromPredictions(truth, predicted, labels.Words);
    }
}
