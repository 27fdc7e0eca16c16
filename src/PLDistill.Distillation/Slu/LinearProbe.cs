using PLDistill.Distillation.Training;
using PLDistill.Models.Runtime;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Slu;

/// <summary>
/// A multinomial logistic-regression classifier on frozen embeddings: x is standardised with the training set's
/// per-dimension mean and deviation, p(c | x) = softmax(W x̂ + b)_c, trained full-batch with AdamW on cross-entropy.
/// Linear on purpose: it measures what the representation already separates, not what a deeper head could learn.
/// </summary>
public sealed class LinearProbe : IDisposable
{
    private readonly Tensor mean, std;
    private readonly TorchSharp.Modules.Linear layer;

    private LinearProbe(Tensor mean, Tensor std, TorchSharp.Modules.Linear layer)
    {
        this.mean = mean;
        this.std = std;
        this.layer = layer;
    }

    /// <summary>Number of classes.</summary>
    public int Classes => (int)layer.weight!.size(0);

    /// <summary>
    /// Fits a probe to <paramref name="embeddings"/> (N, D) and <paramref name="labels"/> (N class indices in 0 … classes − 1).
    /// With a <paramref name="validation"/> set, the weights are checked every <see cref="LinearProbeOptions.CheckEvery"/>
    /// steps and the probe keeps those of the best validation accuracy (the earliest among equals): early stopping.
    /// Call it outside any dispose scope: the probe's layer must outlive the call.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes disagree, a label is out of range, or a setting is out of range.</exception>
    public static LinearProbe Fit(Tensor embeddings, IReadOnlyList<int> labels, int classes, LinearProbeOptions options,
                                  (Tensor Embeddings, IReadOnlyList<int> Labels)? validation = null)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Check(embeddings, labels, classes);
        if (validation is { } held)
            Check(held.Embeddings, held.Labels, classes);
        manual_seed(options.Seed);
        using var x = embeddings.detach().to(float32);
        var mean = x.mean([0]).DetachFromDisposeScope();        // owned by the probe, whatever scope the caller is in
        var std = x.std([0]).NotBelow(1e-6).DetachFromDisposeScope();
        var layer = nn.Linear(x.size(1), classes);
        var probe = new LinearProbe(mean, std, layer);
        using var target = tensor(labels.Select(l => (long)l).ToArray());
        using var standardised = probe.Standardise(x);
        using var optimizer = new AdamW(layer.parameters(), options.LearningRate, options.WeightDecay);
        double bestAccuracy = validation is { } first ? probe.Accuracy(first.Embeddings, first.Labels) : double.NaN;
        var best = probe.Weights();
        for (int step = 1; step <= options.Steps; step++)
        {
            layer.train();
            using (var scope = NewDisposeScope())
            {
                optimizer.ZeroGrad();
                nn.functional.cross_entropy(layer.forward(standardised), target).backward();
                optimizer.Step();
            }
            layer.eval();
            if (validation is not { } check || (step % options.CheckEvery != 0 && step != options.Steps))
                continue;
            double accuracy = probe.Accuracy(check.Embeddings, check.Labels);
            if (accuracy > bestAccuracy)
            {
                bestAccuracy = accuracy;
                best = probe.Weights();
            }
        }
        if (validation is not null)
            probe.Restore(best);
        return probe;
    }

    /// <summary>The most probable class of each row of <paramref name="embeddings"/> (N, D).</summary>
    public int[] Predict(Tensor embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.dim() != 2 || embeddings.size(1) != mean.size(0))
            throw new ArgumentException($"the probe takes (N, {mean.size(0)}) embeddings, got ({string.Join(", ", embeddings.shape)})", nameof(embeddings));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return [.. layer.forward(Standardise(embeddings.to(float32))).argmax(1).data<long>().Select(c => (int)c)];
    }

    /// <summary>The fraction of rows of <paramref name="embeddings"/> classified as <paramref name="labels"/>.</summary>
    public double Accuracy(Tensor embeddings, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Check(embeddings, labels, Classes);
        var predicted = Predict(embeddings);
        return predicted.Where((c, i) => c == labels[i]).Count() / (double)labels.Count;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        mean.Dispose();
        std.Dispose();
        layer.Dispose();
    }

    private Tensor Standardise(Tensor x) => (x - mean) / std;

    private (float[] Weight, float[] Bias) Weights() =>
        (layer.weight!.data<float>().ToArray(), layer.bias!.data<float>().ToArray());

    private void Restore((float[] Weight, float[] Bias) weights)
    {
        using var noGrad = no_grad();
        using var weight = tensor(weights.Weight, layer.weight!.shape);
        using var bias = tensor(weights.Bias, layer.bias!.shape);
        layer.weight!.copy_(weight);
        layer.bias!.copy_(bias);
    }

    private static void Check(Tensor embeddings, IReadOnlyList<int> labels, int classes)
    {
        if (embeddings.dim() != 2 || embeddings.size(0) != labels.Count || labels.Count == 0)
            throw new ArgumentException($"need (N, D) embeddings with one label per row, got ({string.Join(", ", embeddings.shape)}) and {labels.Count} labels");
        if (classes < 2)
            throw new ArgumentException($"a probe needs at least 2 classes, got {classes}");
        foreach (int label in labels)
            if (label < 0 || label >= classes)
                throw new ArgumentException($"label {label} is outside 0 … {classes - 1}");
    }
}
