using static TorchSharp.torch;

namespace PLDistill.Models.Runtime;

/// <summary>
/// The number type a model's weights and activations take at inference. Training always runs in float32; a checkpoint
/// stores float32 (or float16) weights and is converted when it is loaded for inference.
/// </summary>
public enum InferencePrecision
{
    /// <summary>32-bit floats: what the model was trained in; exact on every device.</summary>
    Float32,

    /// <summary>
    /// bfloat16 (float32's range, 8 bits of mantissa): half the memory traffic, and on CPUs with AVX512-BF16 or AMX and on
    /// GPUs, matrix products at two or more times float32's rate. Elsewhere libtorch converts on the fly and it is slower.
    /// Class probabilities move by a few thousandths (README, "Size and speed").
    /// </summary>
    BFloat16,
}

/// <summary>The libtorch type of each <see cref="InferencePrecision"/>.</summary>
public static class InferencePrecisionExtensions
{
    /// <summary>The scalar type weights and activations take.</summary>
    public static ScalarType ScalarType(this InferencePrecision precision) => precision switch
    {
        InferencePrecision.Float32 => TorchSharp.torch.ScalarType.Float32,
        InferencePrecision.BFloat16 => TorchSharp.torch.ScalarType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "unknown precision"),
    };

    /// <summary>The precision a tensor of <paramref name="type"/> runs in.</summary>
    /// <exception cref="ArgumentException"><paramref name="type"/> is neither float32 nor bfloat16.</exception>
    public static InferencePrecision ToInferencePrecision(this ScalarType type) => type switch
    {
        TorchSharp.torch.ScalarType.Float32 => InferencePrecision.Float32,
        TorchSharp.torch.ScalarType.BFloat16 => InferencePrecision.BFloat16,
        _ => throw new ArgumentException($"a model in {type} has no inference precision; use float32 or bfloat16", nameof(type)),
    };
}
