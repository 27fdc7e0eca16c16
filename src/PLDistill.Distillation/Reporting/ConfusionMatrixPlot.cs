using PLDistill.Distillation.Evaluation;

namespace PLDistill.Distillation.Reporting;

/// <summary>Draws a confusion matrix as a PNG: rows true, columns predicted, cells shaded by row-normalised recall.</summary>
public static class ConfusionMatrixPlot
{
    /// <summary>Writes the picture of <paramref name="metrics"/> to <paramref name="path"/>.</summary>
    public static void Save(EmotionMetrics metrics, string path, string title)
    {
        int n = metrics.Labels.Count;
        var recall = new double[n, n];
        for (int r = 0; r < n; r++)
        {
            double total = Math.Max(1, metrics.Confusion[r].Sum());
            for (int c = 0; c < n; c++)
                recall[r, c] = metrics.Confusion[r][c] / total;
        }

        var plot = new ScottPlot.Plot();
        var heatmap = plot.Add.Heatmap(recall);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        var scale = plot.Add.ColorBar(heatmap);
        scale.Label = "recall";
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                var text = plot.Add.Text(metrics.Confusion[r][c].ToString(System.Globalization.CultureInfo.InvariantCulture), c, n - 1 - r);
                text.LabelAlignment = ScottPlot.Alignment.MiddleCenter;
                text.LabelFontColor = recall[r, c] > 0.5 ? ScottPlot.Colors.Black : ScottPlot.Colors.White;
                text.LabelFontSize = 14;
            }
        }
        double[] ticks = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(ticks, metrics.Labels.ToArray());
        plot.Axes.Left.SetTicks(ticks, metrics.Labels.Reverse().ToArray());
        plot.Axes.Bottom.Label.Text = "predicted";
        plot.Axes.Left.Label.Text = "true";
        plot.Title($"{title}  WA {metrics.WeightedAccuracy:P1}  UA {metrics.UnweightedAccuracy:P1}  F1 {metrics.MacroF1:P1}");
        plot.SavePng(path, 760, 640);
    }
}
