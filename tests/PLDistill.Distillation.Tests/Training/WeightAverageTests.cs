using PLDistill.Distillation.Training;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Training;

public sealed class WeightAverageTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("pld-average-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static double[] Values(Tensor t) => t.data<double>().ToArray();

    /// <summary>The parameter's value after each optimiser step (what the average folds in).</summary>
    private static readonly double[][] Path =
    [
        [1.0, -2.0, 0.5],
        [2.0, -1.0, 0.0],
        [4.0, 3.0, -0.5],
        [-1.0, 0.25, 8.0],
    ];

    /// <summary>θ̄ ← d θ̄ + (1 − d) θ with d = min(decay, (1 + t) / (10 + t)), in double precision.</summary>
    private static double[] Reference(double[] start, IEnumerable<double[]> path, double decay)
    {
        var average = (double[])start.Clone();
        long t = 0;
        foreach (var theta in path)
        {
            double d = Math.Min(decay, (1.0 + t) / (10.0 + t));
            for (int i = 0; i < average.Length; i++)
                average[i] = d * average[i] + (1 - d) * theta[i];
            t++;
        }
        return average;
    }

    private static void MoveTo(Parameter parameter, double[] values)
    {
        using var noGrad = no_grad();
        using var target = tensor(values);
        parameter.copy_(target);
    }

    [Theory]
    [InlineData(0.998)]   // the ramp decides every step here: (1 + t) / (10 + t) < 0.998 until t = 4,490
    [InlineData(0.2)]     // the decay caps the ramp from the second step on
    public void Averages_as_the_formula_says_with_its_warm_up_ramp(double decay)
    {
        double[] start = [0.0, 1.0, -3.0];
        using var theta = nn.Parameter(tensor(start));
        using var average = new WeightAverage([theta], decay);
        foreach (var point in Path)
        {
            MoveTo(theta, point);
            average.Update();
        }

        Assert.Equal(Path.Length, average.Steps);
        using (average.SwapIn())
        {
            var expected = Reference(start, Path, decay);
            var actual = Values(theta);
            for (int i = 0; i < expected.Length; i++)
                Assert.Equal(expected[i], actual[i], 12);
        }
    }

    [Fact]
    public void SwapIn_puts_the_average_in_and_its_disposal_puts_the_optimisers_weights_back()
    {
        using var theta = nn.Parameter(tensor(new[] { 0.0, 0.0 }));
        using var average = new WeightAverage([theta], 0.5);
        MoveTo(theta, [10.0, -10.0]);
        average.Update();   // first step: d = min(0.5, 1/10) = 0.1, so θ̄ = 0.9 · (10, −10)

        var handle = average.SwapIn();
        Assert.Equal([9.0, -9.0], Values(theta));
        handle.Dispose();
        Assert.Equal([10.0, -10.0], Values(theta));
        handle.Dispose();   // twice is harmless
        Assert.Equal([10.0, -10.0], Values(theta));
    }

    [Fact]
    public void Swapping_in_does_not_record_a_gradient_or_change_requires_grad()
    {
        using var theta = nn.Parameter(tensor(new[] { 1.0f, 2.0f }));
        using var average = new WeightAverage([theta], 0.9);
        using (average.SwapIn())
            Assert.True(theta.requires_grad);
        Assert.Null(theta.grad);
    }

    [Fact]
    public void A_saved_average_resumes_where_it_stopped()
    {
        double[] start = [0.5, -0.5, 2.0];
        string path = System.IO.Path.Combine(folder, "weight-average.state");
        using var theta = nn.Parameter(tensor(start));
        using (var first = new WeightAverage([theta], 0.9))
        {
            foreach (var point in Path[..2])
            {
                MoveTo(theta, point);
                first.Update();
            }
            first.Save(path);
        }

        using var resumed = new WeightAverage([theta], 0.9);   // starts at θ's value, as a fresh run would
        resumed.Load(path);
        Assert.Equal(2, resumed.Steps);
        foreach (var point in Path[2..])
        {
            MoveTo(theta, point);
            resumed.Update();
        }
        using (resumed.SwapIn())
        {
            var expected = Reference(start, Path, 0.9);
            var actual = Values(theta);
            for (int i = 0; i < expected.Length; i++)
                Assert.Equal(expected[i], actual[i], 12);
        }
    }

    [Fact]
    public void Loading_the_average_of_other_parameters_is_refused_with_the_file_named()
    {
        string path = System.IO.Path.Combine(folder, "weight-average.state");
        using var small = nn.Parameter(zeros(3, dtype: float64));
        using (var average = new WeightAverage([small], 0.9))
            average.Save(path);

        using var other = nn.Parameter(zeros(4, dtype: float64));
        using var mismatched = new WeightAverage([other], 0.9);
        var error = Assert.Throws<InvalidDataException>(() => mismatched.Load(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);

        using var twoParameters = new WeightAverage([small, other], 0.9);
        Assert.Throws<InvalidDataException>(() => twoParameters.Load(path));

        string optimizerState = System.IO.Path.Combine(folder, "optimizer.state");
        using (var optimizer = new AdamW([small], 0.01, 0.0))
            optimizer.Save(optimizerState);
        using var fresh = new WeightAverage([small], 0.9);
        Assert.Throws<InvalidDataException>(() => fresh.Load(optimizerState));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.5)]
    [InlineData(double.NaN)]
    public void A_decay_outside_zero_to_one_is_refused(double decay)
    {
        using var theta = nn.Parameter(zeros(2));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new WeightAverage([theta], decay));
        Assert.Equal("decay", error.ParamName);
    }
}
