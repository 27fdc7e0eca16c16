using PLDistill.Audio.Data;
using PLDistill.Distillation.Data;
using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Evaluation;

/// <summary>Runs a model over whole clips in batches and scores its answers.</summary>
public static class Evaluator
{
    /// <summary>The predicted class of every clip (argmax over the label set's answer words) and the metrics.</summary>
    /// <remarks>With <paramref name="pooling"/>, each clip is scored by the mean class probabilities of its windows.</remarks>
    public static EmotionMetrics Evaluate(AudioLanguageModel model, IReadOnlyList<FeatureClip> clips, EmotionLabelSet labels,
                                          Device device, int batchSize = 32, WindowPooling? pooling = null)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            return Evaluate((mel, lengths) => model.ClassLogits(model.AnswerLogits(mel, lengths), labels), model.Config.Encoder.MelBins,
                            clips, labels, device, batchSize, pooling);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>The same for a teacher ensemble (its members' answers averaged); the ensemble is left in eval mode.</summary>
    public static EmotionMetrics Evaluate(ModelEnsemble teacher, IReadOnlyList<FeatureClip> clips, EmotionLabelSet labels,
                                          Device device, int batchSize = 32, WindowPooling? pooling = null)
    {
        teacher.Eval();
        return Evaluate((mel, lengths) => teacher.ClassLogits(teacher.AnswerLogits(mel, lengths), labels), teacher.Config.Encoder.MelBins,
                        clips, labels, device, batchSize, pooling);
    }

    private static EmotionMetrics Evaluate(Func<Tensor, Tensor, Tensor> classLogits, int melBins, IReadOnlyList<FeatureClip> clips,
                                           EmotionLabelSet labels, Device device, int batchSize, WindowPooling? pooling)
    {
        if (pooling is not null)
            return EvaluatePooled(classLogits, melBins, clips, labels, device, batchSize, pooling);
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

    private static EmotionMetrics EvaluatePooled(Func<Tensor, Tensor, Tensor> classLogits, int melBins, IReadOnlyList<FeatureClip> clips,
                                                 EmotionLabelSet labels, Device device, int batchSize, WindowPooling pooling)
    {
        var builder = new BatchBuilder(clips, melBins);
        var windows = clips.SelectMany((clip, index) => pooling.Offsets(clip.Frames).Select(offset => (Clip: index, Offset: offset))).ToArray();
        int classes = labels.Words.Count;
        var probabilitySums = new double[clips.Count, classes];
        using var inference = inference_mode();
        foreach (var placed in windows.Chunk(batchSize))
        {
            using var scope = NewDisposeScope();
            using var batch = builder.MakeAt(placed, pooling.WindowFrames);
            float[] probabilities = FinalizerFreeOperations.ToFloatArray(classLogits(batch.Mel.to(device), batch.Lengths.to(device)).softmax(1));
            for (int i = 0; i < placed.Length; i++)
                for (int k = 0; k < classes; k++)
                    probabilitySums[placed[i].Clip, k] += probabilities[i * classes + k];
        }
        var truth = clips.Select(clip => clip.Label).ToList();
        var predicted = Enumerable.Range(0, clips.Count).Select(c => Enumerable.Range(0, classes).MaxBy(k => probabilitySums[c, k])).ToList();
        return EmotionMetrics.FromPredictions(truth, predicted, labels.Words);
    }
}
