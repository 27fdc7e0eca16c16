using System.Text.Json.Serialization;

namespace PLDistill.Distillation.Evaluation;

/// <summary>
/// The EmoBox metrics from a confusion matrix (rows = true class, columns = predicted):
/// WA = accuracy, UA = mean per-class recall (balanced accuracy), macro-F1 = mean per-class F1.
/// UA averages over the classes with true examples (recall is undefined for the others). Macro-F1 averages over the
/// classes that are true or predicted at least once, as scikit-learn's <c>f1_score(average='macro')</c> does: a class
/// predicted but never true has F1 = 0 (precision 0), and leaving it out would reward the wrong answers.
/// </summary>
public sealed record EmotionMetrics
{
    /// <summary>Weighted accuracy: correct / total.</summary>
    [JsonPropertyName("wa")] public double WeightedAccuracy { get; init; }

    /// <summary>Unweighted accuracy: mean recall over the classes with true examples.</summary>
    [JsonPropertyName("ua")] public double UnweightedAccuracy { get; init; }

    /// <summary>Mean F1 over the classes that are true or predicted at least once.</summary>
    [JsonPropertyName("macro_f1")] public double MacroF1 { get; init; }

    /// <summary>Clips evaluated.</summary>
    [JsonPropertyName("n")] public int Count { get; init; }

    /// <summary>Class names in matrix order.</summary>
    [JsonPropertyName("labels")] public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>confusion[true][predicted].</summary>
    [JsonPropertyName("confusion")] public required int[][] Confusion { get; init; }

    /// <summary>Computes the metrics of <paramref name="confusion"/>.</summary>
    public static EmotionMetrics FromConfusion(int[][] confusion, IReadOnlyList<string> labels)
    {
        int classes = labels.Count;
        if (confusion.Length != classes || confusion.Any(row => row.Length != classes))
            throw new ArgumentException($"confusion matrix must be {classes} x {classes}", nameof(confusion));
        int total = confusion.Sum(row => row.Sum());
        int correct = Enumerable.Range(0, classes).Sum(c => confusion[c][c]);
        var recalls = new List<double>();
        var f1s = new List<double>();
        for (int c = 0; c < classes; c++)
        {
            int actual = confusion[c].Sum();
            int predicted = Enumerable.Range(0, classes).Sum(r => confusion[r][c]);
            if (actual == 0)
            {
                if (predicted > 0)
                    f1s.Add(0);   // only false positives: precision 0, and no recall to make up for it
                continue;
            }
            double recall = (double)confusion[c][c] / actual;
            double precision = predicted == 0 ? 0 : (double)confusion[c][c] / predicted;
            recalls.Add(recall);
            f1s.Add(precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall));
        }
        return new EmotionMetrics
        {
            WeightedAccuracy = total == 0 ? 0 : (double)correct / total,
            UnweightedAccuracy = recalls.Count == 0 ? 0 : recalls.Average(),
            MacroF1 = f1s.Count == 0 ? 0 : f1s.Average(),
            Count = total,
            Labels = labels,
            Confusion = confusion,
        };
    }

    /// <summary>Metrics of paired true and predicted class indices.</summary>
    public static EmotionMetrics FromPredictions(IReadOnlyList<int> truth, IReadOnlyList<int> predicted, IReadOnlyList<string> labels)
    {
        if (truth.Count != predicted.Count)
            throw new ArgumentException("truth and predictions differ in length");
        var confusion = labels.Select(_ => new int[labels.Count]).ToArray();
        for (int i = 0; i < truth.Count; i++)
            confusion[truth[i]][predicted[i]]++;
        return FromConfusion(confusion, labels);
    }
}
