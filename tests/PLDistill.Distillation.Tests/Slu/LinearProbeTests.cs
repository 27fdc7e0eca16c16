using PLDistill.Distillation.Slu;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Slu;

public sealed class LinearProbeTests
{
    private static readonly LinearProbeOptions Quick = new() { Steps = 200, CheckEvery = 10, LearningRate = 0.05, Seed = 3 };

    /// <summary>Three Gaussian blobs in 8 dimensions, centres 4 apart, unit spread; rows cycle through the classes.</summary>
    private static (Tensor X, int[] Labels) Blobs(int count, int seed, double scale = 1.0)
    {
        var random = new Random(seed);
        var values = new float[count * 8];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 3;
            for (int d = 0; d < 8; d++)
                values[i * 8 + d] = (float)(scale * ((d == labels[i] ? 4.0 : 0.0) + Gaussian(random)));
        }
        return (tensor(values, [count, 8]), labels);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Fact]
    public void Separates_linearly_separable_classes_and_generalises_to_new_points()
    {
        var (train, trainLabels) = Blobs(90, seed: 1);
        var (test, testLabels) = Blobs(60, seed: 2);
        using var probe = LinearProbe.Fit(train, trainLabels, classes: 3, Quick);

        Assert.Equal(3, probe.Classes);
        Assert.Equal(1.0, probe.Accuracy(train, trainLabels));
        Assert.True(probe.Accuracy(test, testLabels) >= 0.95, $"held-out accuracy {probe.Accuracy(test, testLabels):P1}");
        Assert.Equal(testLabels.Length, probe.Predict(test).Length);
    }

    [Fact]
    public void Standardisation_makes_the_probe_blind_to_the_features_scale()
    {
        var (train, labels) = Blobs(90, seed: 1);
        var (scaled, _) = Blobs(90, seed: 1, scale: 1000);
        var (test, _) = Blobs(60, seed: 2);
        var (scaledTest, _) = Blobs(60, seed: 2, scale: 1000);
        using var plain = LinearProbe.Fit(train, labels, 3, Quick);
        using var large = LinearProbe.Fit(scaled, labels, 3, Quick);

        Assert.Equal(plain.Predict(test), large.Predict(scaledTest));
    }

    [Fact]
    public void A_validation_set_stops_training_where_it_is_best()
    {
        var (train, labels) = Blobs(90, seed: 1);
        // The validation set disagrees with training (every label shifted by one): the longer the probe trains, the worse it
        // does there, so early stopping must keep an early checkpoint.
        var (valid, validLabels) = Blobs(60, seed: 2);
        int[] shifted = [.. validLabels.Select(l => (l + 1) % 3)];
        using var full = LinearProbe.Fit(train, labels, 3, Quick);
        using var stopped = LinearProbe.Fit(train, labels, 3, Quick, (valid, shifted));

        Assert.True(full.Accuracy(valid, shifted) < 0.05, $"fully trained: {full.Accuracy(valid, shifted):P1} on the shifted labels");
        Assert.True(stopped.Accuracy(valid, shifted) > full.Accuracy(valid, shifted) + 0.2,
            $"early-stopped {stopped.Accuracy(valid, shifted):P1} vs fully trained {full.Accuracy(valid, shifted):P1}");
    }

    [Fact]
    public void Bad_input_is_refused_with_a_message_naming_it()
    {
        var (x, labels) = Blobs(9, seed: 1);
        Assert.Contains("label 3", Assert.Throws<ArgumentException>(() => LinearProbe.Fit(x, [.. labels[..8], 3], 3, Quick)).Message);
        Assert.Contains("label -1", Assert.Throws<ArgumentException>(() => LinearProbe.Fit(x, [.. labels[..8], -1], 3, Quick)).Message);
        Assert.Contains("one label per row", Assert.Throws<ArgumentException>(() => LinearProbe.Fit(x, labels[..5], 3, Quick)).Message);
        Assert.Contains("at least 2 classes", Assert.Throws<ArgumentException>(() => LinearProbe.Fit(x, new int[9], 1, Quick)).Message);
        Assert.Contains("probe steps", Assert.Throws<ArgumentException>(() => LinearProbe.Fit(x, labels, 3, Quick with { Steps = 0 })).Message);
        using var probe = LinearProbe.Fit(x, labels, 3, Quick);
        Assert.Contains("(N, 8)", Assert.Throws<ArgumentException>(() => probe.Predict(zeros(2, 5))).Message);
    }
}
