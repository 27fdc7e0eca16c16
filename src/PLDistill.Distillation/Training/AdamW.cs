using TorchSharp;
using TorchSharp.Modules;
using static PLDistill.Models.Runtime.KeptScalars;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Training;

/// <summary>
/// AdamW, Adam with decoupled weight decay (Loshchilov &amp; Hutter 2019), over one list of parameters. Per parameter θ
/// with gradient g, at its t-th step:
/// <code>
///   θ ← θ (1 − η λ)
///   m ← β₁ m + (1 − β₁) g
///   v ← β₂ v + (1 − β₂) g²
///   θ ← θ − η / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
/// </code>
/// </summary>
/// <remarks>
/// The arithmetic, in the same order, of TorchSharp's <c>optim.AdamW</c>, which this replaces because its step hands
/// libtorch Scalars that only the finalizer keeps alive (see <see cref="PLDistill.Models.Runtime.KeptScalars"/>); every
/// Scalar here is a field or a <c>using</c> local. A parameter without a gradient is skipped and its t does not advance,
/// as in PyTorch. The state file has the layout of TorchSharp's AdamW state, so run folders saved before the switch resume.
/// </remarks>
public sealed class AdamW : IDisposable
{
    private const string StateType = "AdamW";   // TorchSharp's state file starts with the optimiser's type name

    private readonly Parameter[] parameters;
    private readonly long[] steps;               // t
    private readonly Tensor[] firstMoments;      // m
    private readonly Tensor[] secondMoments;     // v
    private readonly double initialLearningRate;
    private readonly Scalar beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon;

    /// <summary>An optimiser with zero moments; the defaults are PyTorch's.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of its range.</exception>
    public AdamW(IEnumerable<Parameter> parameters, double learningRate, double weightDecay,
        double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(learningRate);
        ArgumentOutOfRangeException.ThrowIfNegative(weightDecay);
        ArgumentOutOfRangeException.ThrowIfNegative(epsilon);
        if (beta1 is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β₁ must lie in [0, 1)");
        if (beta2 is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β₂ must lie in [0, 1)");
        this.parameters = [.. parameters];
        LearningRate = initialLearningRate = learningRate;
        WeightDecay = weightDecay;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        this.beta1 = beta1.ToScalar();
        oneMinusBeta1 = (1 - beta1).ToScalar();
        this.beta2 = beta2.ToScalar();
        oneMinusBeta2 = (1 - beta2).ToScalar();
        this.epsilon = epsilon.ToScalar();
        steps = new long[this.parameters.Length];
        firstMoments = [.. this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
        secondMoments = [.. this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
    }

    /// <summary>η, which the trainer's schedule sets before each step.</summary>
    public double LearningRate { get; set; }

    /// <summary>λ, the decoupled weight decay.</summary>
    public double WeightDecay { get; }

    /// <summary>β₁, the decay of the gradient's running mean.</summary>
    public double Beta1 { get; }

    /// <summary>β₂, the decay of the squared gradient's running mean.</summary>
    public double Beta2 { get; }

    /// <summary>ε, added to the denominator.</summary>
    public double Epsilon { get; }

    /// <summary>Zeroes every gradient in place (as TorchSharp's optimisers do; it does not drop them).</summary>
    public void ZeroGrad()
    {
        foreach (var parameter in parameters)
        {
            using var grad = parameter.grad;
            grad?.zero_();
        }
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var decay = (1 - LearningRate * WeightDecay).ToScalar();
        for (int i = 0; i < parameters.Length; i++)
        {
            var (theta, m, v, grad) = (parameters[i], firstMoments[i], secondMoments[i], parameters[i].grad);
            if (grad is null)
                continue;
            long t = ++steps[i];
            using var rootCorrection2 = Math.Sqrt(1 - Math.Pow(Beta2, t)).ToScalar();
            using var negativeStepSize = (-(LearningRate / (1 - Math.Pow(Beta1, t)))).ToScalar();

            theta.mul_(decay);
            m.mul_(beta1).add_(grad, oneMinusBeta1);
            v.mul_(beta2).addcmul_(grad, grad, oneMinusBeta2);
            var denominator = (v.sqrt() / rootCorrection2).add_(epsilon, One);
            theta.addcdiv_(m, denominator, negativeStepSize);
        }
    }

    /// <summary>Writes t, m and v of every parameter (and the hyperparameters, as TorchSharp's AdamW state file does).</summary>
    public void Save(string path)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(StateType);
        writer.Write7BitEncodedInt64(1);                       // parameter groups
        writer.Write7BitEncodedInt64(parameters.Length);
        foreach (double value in new[] { initialLearningRate, LearningRate, Beta1, Beta2, Epsilon, WeightDecay })
            writer.Write(value);
        writer.Write(false);                                   // AMSGrad
        writer.Write(false);                                   // maximize
        for (int i = 0; i < parameters.Length; i++)
        {
            writer.Write(steps[i]);
            firstMoments[i].Save(writer);
            secondMoments[i].Save(writer);
            writer.Write(false);                               // no AMSGrad maximum
        }
    }

    /// <summary>
    /// Restores t, m and v of every parameter from <see cref="Save"/>'s file (or TorchSharp's AdamW state file for the same
    /// parameters). The hyperparameters stay this optimiser's: the run's config sets them.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not the AdamW state of parameters of these shapes.</exception>
    public void Load(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        if (reader.ReadString() != StateType || reader.Read7BitEncodedInt64() != 1 || reader.Read7BitEncodedInt64() != parameters.Length)
            throw new InvalidDataException($"{path} is not the AdamW state of {parameters.Length} parameters in one group");
        reader.ReadBytes(6 * sizeof(double));                 // η₀, η, β₁, β₂, ε, λ
        bool amsGrad = reader.ReadBoolean(), maximize = reader.ReadBoolean();
        if (amsGrad || maximize)
            throw new InvalidDataException($"{path}: AMSGrad and maximize are not supported");
        for (int i = 0; i < parameters.Length; i++)
        {
            try
            {
                steps[i] = reader.ReadInt64();
                firstMoments[i].Load(reader);
                secondMoments[i].Load(reader);
            }
            catch (ArgumentException mismatch)
            {
                throw new InvalidDataException($"{path}: parameter {i}: {mismatch.Message}", mismatch);
            }
            if (reader.ReadBoolean())
                throw new InvalidDataException($"{path}: AMSGrad state is not supported");
        }
    }

    /// <summary>Frees the moments and the kept Scalars.</summary>
    public void Dispose()
    {
        foreach (var tensor in firstMoments.Concat(secondMoments))
            tensor.Dispose();
        foreach (var scalar in new[] { beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon })
            scalar.Dispose();
    }
}
