using PLDistill.Distillation.Losses;
using TorchSharp;
using static PLDistill.Models.Runtime.KeptScalars;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Losses;

public sealed class CenteredKernelAlignmentTests
{
    private static readonly Scalar Half = 0.5.ToScalar(), Hundredth = 0.01.ToScalar(), SevenAndAHalf = 7.5.ToScalar();
    private static readonly Scalar Thousand = 1000.ToScalar();

    private static double Cka(Tensor x, Tensor y, Tensor? weights = null)
    {
        long steps = x.shape[0];
        using var uniform = (1.0f / steps).ToScalar();
        using var w = weights ?? full(steps, uniform);
        using var value = CenteredKernelAlignment.Compute(x.unsqueeze(0), y.unsqueeze(0), w.unsqueeze(0));
        return value.item<float>();
    }

    /// <summary>
    /// Independent reference in double precision, Gram (T × T) form: K = X̃X̃ᵀ with X̃ = diag(√a)(I − 1aᵀ)X,
    /// CKA = tr(K L) / (‖K‖_F ‖L‖_F).
    /// </summary>
    private static double Reference(float[,] x, float[,] y, double[] a)
    {
        double[,] Centre(float[,] m)
        {
            int t = m.GetLength(0), d = m.GetLength(1);
            var result = new double[t, d];
            for (int j = 0; j < d; j++)
            {
                double mean = 0;
                for (int i = 0; i < t; i++) mean += a[i] * m[i, j];
                for (int i = 0; i < t; i++) result[i, j] = Math.Sqrt(a[i]) * (m[i, j] - mean);
            }
            return result;
        }
        double[,] Gram(double[,] m)
        {
            int t = m.GetLength(0), d = m.GetLength(1);
            var g = new double[t, t];
            for (int i = 0; i < t; i++)
                for (int k = 0; k < t; k++)
                    for (int j = 0; j < d; j++) g[i, k] += m[i, j] * m[k, j];
            return g;
        }
        double[,] k = Gram(Centre(x)), l = Gram(Centre(y));
        double kl = 0, kk = 0, ll = 0;
        foreach (var (i, j) in from i in Enumerable.Range(0, a.Length) from j in Enumerable.Range(0, a.Length) select (i, j))
        {
            kl += k[i, j] * l[j, i];
            kk += k[i, j] * k[i, j];
            ll += l[i, j] * l[i, j];
        }
        return kl / Math.Sqrt(kk * ll);
    }

    private static float[,] ToArray(Tensor t)
    {
        var result = new float[t.shape[0], t.shape[1]];
        Buffer.BlockCopy(t.data<float>().ToArray(), 0, result, 0, (int)t.numel() * sizeof(float));
        return result;
    }

    [Fact]
    public void Identical_inputs_align_perfectly()
    {
        manual_seed(1);
        using var x = randn(30, 16);
        Assert.Equal(1.0, Cka(x, x), 5);
    }

    [Fact]
    public void Isotropic_scaling_and_orthogonal_transforms_change_nothing()
    {
        manual_seed(2);
        using var x = randn(40, 24);
        using var y = randn(40, 12).add(Half * x.narrow(1, 0, 12), One);
        double baseline = Cka(x, y);
        var (q, r) = linalg.qr(randn(12, 12));
        r.Dispose();
        using var rotated = y.matmul(q);
        using var scaled = y * SevenAndAHalf;
        Assert.Equal(baseline, Cka(x, scaled), 5);
        Assert.Equal(baseline, Cka(x, rotated), 4);
        Assert.Equal(baseline, Cka(x * Hundredth, y), 4);
    }

    [Fact]
    public void Matches_an_independent_gram_form_reference_with_uniform_and_attention_weights()
    {
        manual_seed(3);
        using var x = randn(25, 20);
        using var y = randn(25, 7).add(x.narrow(1, 3, 7).tanh(), One);
        var uniform = Enumerable.Repeat(1.0 / 25, 25).ToArray();
        var random = new Random(4);
        var raw = Enumerable.Range(0, 25).Select(_ => random.NextDouble() + 0.05).ToArray();
        var attention = raw.Select(v => v / raw.Sum()).ToArray();

        Assert.Equal(Reference(ToArray(x), ToArray(y), uniform), Cka(x, y), 4);
        using var a = tensor(attention.Select(v => (float)v).ToArray());
        Assert.Equal(Reference(ToArray(x), ToArray(y), attention), Cka(x, y, a), 4);
    }

    [Fact]
    public void Uniform_weights_reduce_awcka_to_plain_cka_and_padding_steps_weigh_nothing()
    {
        manual_seed(5);
        using var x = randn(2, 30, 10);
        using var y = randn(2, 30, 6).add(x.narrow(2, 0, 6), One);
        using var lengths = tensor(new long[] { 30, 18 });
        using var uniform = CenteredKernelAlignment.UniformWeights(lengths, 30);
        using var padded = CenteredKernelAlignment.Compute(x, y, uniform);

        // Row 1 is only 18 steps long: its steps beyond 18 must not matter.
        double alone = Cka(x[1].narrow(0, 0, 18), y[1].narrow(0, 0, 18));
        Assert.Equal(alone, padded[1].item<float>(), 4);
        using var garbage = x.clone();
        garbage[1].narrow(0, 18, 12).fill_(Thousand);
        using var again = CenteredKernelAlignment.Compute(garbage, y, uniform);
        Assert.Equal(padded[1].item<float>(), again[1].item<float>(), 5);
    }

    [Fact]
    public void Unrelated_features_align_poorly_and_every_value_lies_in_0_to_1()
    {
        manual_seed(6);
        using var x = randn(200, 8);
        using var y = randn(200, 8);
        double value = Cka(x, y);
        Assert.InRange(value, 0.0, 0.2);
    }

    [Fact]
    public void Gradient_reaches_the_student_features()
    {
        manual_seed(7);
        using var teacher = randn(1, 20, 12);
        using var student = randn(1, 20, 5).requires_grad_();
        using var share = (1.0f / 20).ToScalar();
        using var weights = full(1, 20, share);
        using var alignment = CenteredKernelAlignment.Compute(teacher, student, weights).mean();
        using var loss = ones_like(alignment) - alignment;
        loss.backward();
        Assert.True(student.grad!.abs().sum().item<float>() > 0);
    }

    [Theory]
    [InlineData(75, 896, 128)]   // a 3 s window against the seven-member teacher: the step form is cheaper
    [InlineData(200, 8, 6)]      // more steps than features: the feature form is cheaper
    public void Step_and_feature_forms_give_the_same_value_and_gradient(int steps, int teacherWidth, int studentWidth)
    {
        manual_seed(8);
        using var teacher = randn(3, steps, teacherWidth);
        using var related = randn(3, steps, studentWidth).add(teacher.narrow(2, 0, Math.Min(teacherWidth, studentWidth)).tanh(), One);
        using var raw = rand(3, steps).add(Hundredth, One);
        using var weights = raw / raw.sum(1, keepdim: true);

        (float[] Value, float[] Gradient) Run(Func<Tensor, Tensor> cka)
        {
            using var student = related.clone().requires_grad_();
            using var value = cka(student);
            using var total = value.sum();
            total.backward();
            return (value.detach().data<float>().ToArray(), student.grad!.data<float>().ToArray());
        }
        var features = Run(s => CenteredKernelAlignment.Compute(teacher, s, weights, CkaForm.Features));
        var stepsForm = Run(s => CenteredKernelAlignment.Compute(teacher, s, weights, CkaForm.Steps));
        var chosen = Run(s => CenteredKernelAlignment.Compute(teacher, s, weights));

        Assert.All(features.Value, v => Assert.InRange(v, 0.05, 0.999));   // related, not identical: a value that can differ
        for (int b = 0; b < 3; b++)
        {
            Assert.Equal(features.Value[b], stepsForm.Value[b], 5);
            Assert.Equal(features.Value[b], chosen.Value[b], 5);
        }
        double scale = features.Gradient.Max(Math.Abs);
        Assert.True(scale > 0);
        for (int i = 0; i < features.Gradient.Length; i++)
            Assert.True(Math.Abs(features.Gradient[i] - stepsForm.Gradient[i]) <= 1e-4 * scale,
                        $"gradient {i}: feature form {features.Gradient[i]}, step form {stepsForm.Gradient[i]}");
    }
}
