using PLDistill.Models.Lalm;
using static TorchSharp.torch;

namespace PLDistill.Models.Tests.Lalm;

/// <summary>The CPU dropout mask drawn in managed code: dropout's distribution, repeatable under manual_seed, any thread count.</summary>
public sealed class TrainingDropoutTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void Mask_drops_p_of_the_elements_and_scales_the_rest_by_one_over_one_minus_p(double p)
    {
        manual_seed(1);
        using var mask = CpuDropoutMask.Draw([1000, 1000], p);
        float[] values = mask.data<float>().ToArray();
        float keep = (float)(1 / (1 - p));
        Assert.All(values, v => Assert.True(v == 0f || v == keep, $"mask value {v}"));
        double dropped = values.Count(v => v == 0f) / (double)values.Length;
        double sigma = Math.Sqrt(p * (1 - p) / values.Length);
        Assert.InRange(dropped, p - 5 * sigma, p + 5 * sigma);
        Assert.InRange(values.Average(v => (double)v), 1 - 5 * sigma * keep, 1 + 5 * sigma * keep);   // expectation kept
    }

    [Fact]
    public void Mask_repeats_under_the_same_manual_seed_and_differs_under_another()
    {
        float[] Draw(long seed)
        {
            manual_seed(seed);
            using var mask = CpuDropoutMask.Draw([3, 70_001], 0.1);   // several streams and a tail shorter than a block
            return mask.data<float>().ToArray();
        }
        Assert.Equal(Draw(7), Draw(7));
        Assert.NotEqual(Draw(7), Draw(8));
    }

    [Fact]
    public void Mask_is_the_same_at_any_thread_count()
    {
        int threads = get_num_threads();
        try
        {
            float[] Draw(int count)
            {
                set_num_threads(count);
                manual_seed(3);
                using var mask = CpuDropoutMask.Draw([5, CpuDropoutMask.ChunkLength + 3], 0.25);
                return mask.data<float>().ToArray();
            }
            Assert.Equal(Draw(1), Draw(2));
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    [Fact]
    public void Successive_masks_differ()
    {
        manual_seed(5);
        using var first = CpuDropoutMask.Draw([4096], 0.5);
        using var second = CpuDropoutMask.Draw([4096], 0.5);
        Assert.False(first.eq(second).all().item<bool>());
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void Mask_refuses_a_probability_outside_zero_to_one(double p)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => CpuDropoutMask.Draw([8], p));
        Assert.Equal("p", error.ParamName);
    }

    [Fact]
    public void Dropout_multiplies_by_the_mask_and_passes_its_gradient_back()
    {
        manual_seed(11);
        using var x = randn(64, 33).requires_grad_(true);
        using var y = TrainingDropout.Apply(x, 0.2, training: true);
        y.sum().backward();
        using var kept = y.detach() / x.detach();         // the mask each element was multiplied by
        using var gradient = x.grad!;
        Assert.True(allclose(gradient, kept, rtol: 1e-5, atol: 1e-6));
        float[] factors = gradient.data<float>().ToArray();
        Assert.All(factors, f => Assert.True(f == 0f || Math.Abs(f - 1.25f) < 1e-6, $"factor {f}"));
        Assert.Contains(0f, factors);
    }

    [Fact]
    public void Dropout_is_the_identity_outside_training_and_at_zero_probability()
    {
        using var x = randn(4, 5);
        Assert.Same(x, TrainingDropout.Apply(x, 0.1, training: false));
        Assert.Same(x, TrainingDropout.Apply(x, 0.0, training: true));
    }

    [Fact]
    public void Dropout_of_another_element_type_keeps_its_type()
    {
        using var x = ones(100, 100, dtype: float64);
        using var y = TrainingDropout.Apply(x, 0.5, training: true);   // libtorch's dropout: the mask is float32 only
        Assert.Equal(ScalarType.Float64, y.dtype);
        Assert.True(y.eq(PLDistill.Models.Runtime.KeptScalars.Zero).any().item<bool>());
    }
}
