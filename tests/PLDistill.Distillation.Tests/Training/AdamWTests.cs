using PLDistill.Distillation.Training;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Training;

public sealed class AdamWTests
{
    private const double WeightDecay = 0.1;

    // (η, g) per step: η changes as the trainer's schedule does; g has a zero, a sign change and a size below ε.
    private static readonly (double LearningRate, double[] Gradient)[] Steps =
    [
        (1e-2, [0.5, -2.0, 0.0, 1e-9]),
        (5e-3, [-0.25, -1.5, 3.0, 2e-9]),
        (2e-2, [1.0, 0.75, -0.5, -1e-9]),
        (1e-3, [0.125, -0.0625, 4.0, 0.0]),
    ];

    private static readonly double[] Start = [1.0, -0.5, 2.0, 0.25];

    /// <summary>Loshchilov &amp; Hutter's AdamW in textbook form (bias-corrected m̂ and v̂), in double precision.</summary>
    private static double[] Reference(double[] start, IEnumerable<(double LearningRate, double[] Gradient)> steps)
    {
        const double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
        var theta = (double[])start.Clone();
        var m = new double[theta.Length];
        var v = new double[theta.Length];
        int t = 0;
        foreach (var (eta, g) in steps)
        {
            t++;
            for (int i = 0; i < theta.Length; i++)
            {
                theta[i] *= 1 - eta * WeightDecay;
                m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                double mHat = m[i] / (1 - Math.Pow(beta1, t)), vHat = v[i] / (1 - Math.Pow(beta2, t));
                theta[i] -= eta * mHat / (Math.Sqrt(vHat) + epsilon);
            }
        }
        return theta;
    }

    private static void Step(AdamW optimizer, Parameter theta, (double LearningRate, double[] Gradient) step)
    {
        using var gradient = tensor(step.Gradient);
        theta.grad = gradient;
        optimizer.LearningRate = step.LearningRate;
        optimizer.Step();
    }

    private static double[] Values(Tensor t) => t.data<double>().ToArray();

    [Fact]
    public void Matches_a_double_precision_reference_and_leaves_a_parameter_without_gradient_alone()
    {
        using var theta = nn.Parameter(tensor(Start));
        using var idle = nn.Parameter(tensor(new[] { 3.0, -4.0 }));
        using var optimizer = new AdamW([theta, idle], Steps[0].LearningRate, WeightDecay);

        for (int t = 1; t <= Steps.Length; t++)
        {
            Step(optimizer, theta, Steps[t - 1]);
            var expected = Reference(Start, Steps.Take(t));
            var actual = Values(theta);
            for (int i = 0; i < expected.Length; i++)
                Assert.Equal(expected[i], actual[i], 1e-12);
        }
        Assert.Null(idle.grad);
        Assert.Equal([3.0, -4.0], Values(idle));

        optimizer.ZeroGrad();
        Assert.Equal(new double[Start.Length], Values(theta.grad!));
    }

    [Fact]
    public void Saved_state_resumes_exactly_where_it_left_off()
    {
        string path = Path.GetTempFileName();
        try
        {
            using var uninterrupted = nn.Parameter(tensor(Start));
            using var optimizer = new AdamW([uninterrupted], Steps[0].LearningRate, WeightDecay);
            Step(optimizer, uninterrupted, Steps[0]);
            Step(optimizer, uninterrupted, Steps[1]);
            optimizer.Save(path);

            using var resumed = nn.Parameter(uninterrupted.detach().clone());
            using var fresh = nn.Parameter(uninterrupted.detach().clone());
            using var resumedOptimizer = new AdamW([resumed], 0, WeightDecay);
            using var freshOptimizer = new AdamW([fresh], 0, WeightDecay);
            resumedOptimizer.Load(path);
            foreach (var step in Steps.Skip(2))
            {
                Step(optimizer, uninterrupted, step);
                Step(resumedOptimizer, resumed, step);
                Step(freshOptimizer, fresh, step);
            }

            Assert.Equal(Values(uninterrupted), Values(resumed));            // bit for bit
            Assert.NotEqual(Values(uninterrupted), Values(fresh));           // so the moments and t did come from the file

            using var otherShape = nn.Parameter(zeros(3, dtype: float64));
            using var mismatched = new AdamW([otherShape], 0, WeightDecay);
            Assert.Throws<InvalidDataException>(() => mismatched.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
