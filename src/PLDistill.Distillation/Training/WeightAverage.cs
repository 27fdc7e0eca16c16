using TorchSharp;
using TorchSharp.Modules;
using static PLDistill.Models.Runtime.KeptScalars;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Training;

/// <summary>
/// An exponential moving average of the weights (Polyak averaging), kept beside the weights the optimiser moves. After
/// the t-th optimiser step, per parameter θ:
/// <code>
///   d  = min(decay, (1 + t) / (10 + t))
///   θ̄ ← d θ̄ + (1 − d) θ
/// </code>
/// The ramp keeps the first steps from tying the average to the random initial weights. The averaged weights are the
/// ones validation scores and checkpoints keep (<see cref="SwapIn"/>); training goes on with the optimiser's own.
/// </summary>
/// <remarks>
/// Why: small data under heavy augmentation makes the weights, and the validation UA, jump from epoch to epoch; the
/// average over the last ~1 / (1 − decay) steps is a smoother model than any single point of that path.
/// </remarks>
public sealed class WeightAverage : IDisposable
{
    private const string StateType = "WeightAverage";

    private readonly Parameter[] parameters;
    private readonly Tensor[] averages;   // θ̄, one per parameter

    /// <summary>An average that starts at the parameters' current values.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="decay"/> is not in (0, 1).</exception>
    public WeightAverage(IEnumerable<Parameter> parameters, double decay)
    {
        if (!(decay > 0 && decay < 1))
            throw new ArgumentOutOfRangeException(nameof(decay), decay, "the weight average's decay must lie in (0, 1)");
        Decay = decay;
        this.parameters = [.. parameters];
        using var noGrad = no_grad();
        averages = [.. this.parameters.Select(p => p.clone().DetachFromDisposeScope())];
    }

    /// <summary>The decay the ramp rises to.</summary>
    public double Decay { get; }

    /// <summary>Optimiser steps averaged so far (t).</summary>
    public long Steps { get; private set; }

    /// <summary>The decay of the next update: (1 + t) / (10 + t), at most <see cref="Decay"/>.</summary>
    public double CurrentDecay => Math.Min(Decay, (1.0 + Steps) / (10.0 + Steps));

    /// <summary>Folds the parameters' current values into the average; call after every optimiser step.</summary>
    public void Update()
    {
        using var noGrad = no_grad();
        double decay = CurrentDecay;
        using var keep = decay.ToScalar();
        using var take = (1 - decay).ToScalar();
        for (int i = 0; i < parameters.Length; i++)
            averages[i].mul_(keep).add_(parameters[i], take);
        Steps++;
    }

    /// <summary>
    /// Puts the averaged weights into the parameters until the returned handle is disposed, which puts the optimiser's
    /// weights back (score or save the averaged model inside the <c>using</c>).
    /// </summary>
    public IDisposable SwapIn()
    {
        using var noGrad = no_grad();
        var kept = parameters.Select(p => p.clone().DetachFromDisposeScope()).ToArray();
        for (int i = 0; i < parameters.Length; i++)
            parameters[i].copy_(averages[i]);
        return new Restore(parameters, kept);
    }

    private sealed class Restore(Parameter[] parameters, Tensor[] kept) : IDisposable
    {
        private bool restored;

        public void Dispose()
        {
            if (restored)
                return;
            restored = true;
            using var noGrad = no_grad();
            for (int i = 0; i < parameters.Length; i++)
            {
                parameters[i].copy_(kept[i]);
                kept[i].Dispose();
            }
        }
    }

    /// <summary>Writes t and θ̄ of every parameter, so that a resumed run continues the same average.</summary>
    public void Save(string path)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(StateType);
        writer.Write7BitEncodedInt64(averages.Length);
        writer.Write(Steps);
        foreach (var average in averages)
            average.Save(writer);
    }

    /// <summary>Restores <see cref="Save"/>'s file; the decay stays this average's (the run's config sets it).</summary>
    /// <exception cref="InvalidDataException">The file is not the average of parameters of these shapes.</exception>
    public void Load(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        if (reader.ReadString() != StateType || reader.Read7BitEncodedInt64() != averages.Length)
            throw new InvalidDataException($"{path} is not the weight average of {averages.Length} parameters");
        long steps = reader.ReadInt64();
        for (int i = 0; i < averages.Length; i++)
        {
            try
            {
                averages[i].Load(reader);
            }
            catch (ArgumentException mismatch)
            {
                throw new InvalidDataException($"{path}: parameter {i}: {mismatch.Message}", mismatch);
            }
        }
        Steps = steps;
    }

    /// <summary>Frees the averages.</summary>
    public void Dispose()
    {
        foreach (var average in averages)
            average.Dispose();
    }
}
