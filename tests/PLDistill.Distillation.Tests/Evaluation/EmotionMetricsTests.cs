using PLDistill.Distillation.Evaluation;

namespace PLDistill.Distillation.Tests.Evaluation;

public sealed class EmotionMetricsTests
{
    private static readonly string[] Labels = ["neutral", "calm", "happy", "sad"];

    [Fact]
    public void A_class_predicted_but_never_true_counts_in_macro_f1_with_f1_zero()
    {
        // Two calm clips, one predicted neutral. scikit-learn: f1_score(["calm", "calm"], ["calm", "neutral"],
        // average="macro") = mean(F1 calm 2/3, F1 neutral 0) = 1/3. Leaving neutral out gave 2/3.
        var metrics = EmotionMetrics.FromPredictions([1, 1], [1, 0], Labels);

        Assert.Equal(1.0 / 3, metrics.MacroF1, 12);
        Assert.Equal(0.5, metrics.WeightedAccuracy, 12);
        Assert.Equal(0.5, metrics.UnweightedAccuracy, 12);   // recall is averaged over true classes only: calm's 1/2
    }

    [Fact]
    public void When_every_predicted_class_is_also_true_macro_f1_is_the_mean_over_the_true_classes()
    {
        // neutral 3 of 4 right (one taken for calm), calm 2 of 2, happy 2 of 4 (one each taken for neutral and calm);
        // sad is neither true nor predicted and stays out of every mean.
        int[] truth = [0, 0, 0, 0, 1, 1, 2, 2, 2, 2];
        int[] predicted = [0, 0, 0, 1, 1, 1, 0, 1, 2, 2];

        var metrics = EmotionMetrics.FromPredictions(truth, predicted, Labels);

        // F1 = 2 TP / (true + predicted): neutral 6/8, calm 4/6, happy 4/6.
        Assert.Equal((6.0 / 8 + 4.0 / 6 + 4.0 / 6) / 3, metrics.MacroF1, 12);
        Assert.Equal(0.7, metrics.WeightedAccuracy, 12);
        Assert.Equal((3.0 / 4 + 2.0 / 2 + 2.0 / 4) / 3, metrics.UnweightedAccuracy, 12);
        Assert.Equal(10, metrics.Count);
    }
}
