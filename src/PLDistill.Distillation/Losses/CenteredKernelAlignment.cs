using TorchSharp;
using static PLDistill.Models.Runtime.KeptScalars;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Losses;

/// <summary>
/// Linear centred kernel alignment between two sets of time steps, X (T, Dx) and Y (T, Dy), with per-step weights a
/// (a_t ≥ 0, Σa = 1):
/// <code>
///   X̃ = diag(√a)(X − 1 aᵀX),  Ỹ = diag(√a)(Y − 1 aᵀY)
///   CKA_a(X, Y) = ‖X̃ᵀỸ‖²_F / (‖X̃ᵀX̃‖_F ‖ỸᵀỸ‖_F)  =  ⟨K, L⟩_F / (‖K‖_F ‖L‖_F),  K = X̃X̃ᵀ, L = ỸỸᵀ
/// </code>
/// Compares the T × T similarity structures, so Dx ≠ Dy needs no projection layer. Uniform a = 1/T gives plain linear CKA
/// (Kornblith et al. 2019); the teacher's attention as a gives PL-Distill's AwCKA.
/// </summary>
/// <remarks>
/// Both forms are the same number (tr(X̃ᵀỸỸᵀX̃) = tr(X̃X̃ᵀỸỸᵀ)); <see cref="Compute(Tensor, Tensor, Tensor)"/> takes the
/// cheaper. The feature form costs T(Dx² + DxDy + Dy²) multiply-adds, the step form T²(Dx + Dy). A 3 s window has T = 75
/// audio steps, and the shipped seven-member teacher's projector outputs are Dx = 7 × 128 = 896 wide: the step form is
/// then about 12× cheaper, and its T × T products stay small where the feature form's 896 × 896 ones (3.2 MB per clip,
/// 51 MB for a batch of 16) were mapped and unmapped on every call. Taking the cheaper form halved the default student's
/// PL-Distill epoch on the 2-core CPU (58-59 s to 25-30 s at two threads).
/// </remarks>
public static class CenteredKernelAlignment
{
    private static readonly Scalar Epsilon = 1e-8.ToScalar();
    private static readonly Scalar Two = 2.ToScalar();   // x.pow(Two): square() makes its own Scalar 2

    /// <summary>
    /// Batched CKA: x (B, T, Dx), y (B, T, Dy), weights (B, T) summing to 1 per row (zeros at padding) -> (B).
    /// </summary>
    public static Tensor Compute(Tensor x, Tensor y, Tensor weights)
    {
        long steps = x.size(1), dx = x.size(2), dy = y.size(2);
        return steps * (dx + dy) < dx * dx + dx * dy + dy * dy
            ? Compute(x, y, weights, CkaForm.Steps)
            : Compute(x, y, weights, CkaForm.Features);
    }

    /// <summary><see cref="Compute(Tensor, Tensor, Tensor)"/> in the given form (the tests compare the two).</summary>
    internal static Tensor Compute(Tensor x, Tensor y, Tensor weights, CkaForm form)
    {
        using var scope = NewDisposeScope();
        var a = weights.unsqueeze(-1);                                               // (B, T, 1)
        var xCentred = x - (a * x).sum(1, keepdim: true);                           // weighted centring
        var yCentred = y - (a * y).sum(1, keepdim: true);
        var root = a.clamp_min(Zero).sqrt();
        var xs = xCentred * root;                                                    // X̃ (B, T, Dx)
        var ys = yCentred * root;                                                    // Ỹ (B, T, Dy)
        Tensor cross, xNorm, yNorm;
        if (form == CkaForm.Steps)
        {
            var k = xs.matmul(xs.transpose(1, 2));                                   // K = X̃X̃ᵀ (B, T, T)
            var l = ys.matmul(ys.transpose(1, 2));                                   // L = ỸỸᵀ
            cross = (k * l).sum([1, 2]);                                             // ⟨K, L⟩ = ‖X̃ᵀỸ‖²
            xNorm = k.pow(Two).sum([1, 2]).sqrt();                                   // ‖K‖ = ‖X̃ᵀX̃‖
            yNorm = l.pow(Two).sum([1, 2]).sqrt();                                   // ‖L‖ = ‖ỸᵀỸ‖
        }
        else
        {
            cross = xs.transpose(1, 2).matmul(ys).pow(Two).sum([1, 2]);             // ‖X̃ᵀỸ‖²
            xNorm = xs.transpose(1, 2).matmul(xs).pow(Two).sum([1, 2]).sqrt();      // ‖X̃ᵀX̃‖
            yNorm = ys.transpose(1, 2).matmul(ys).pow(Two).sum([1, 2]).sqrt();      // ‖ỸᵀỸ‖
        }
        return (cross / (xNorm * yNorm).add(Epsilon, One)).MoveToOuterDisposeScope();
    }

    /// <summary>Uniform weights over the first lengths[b] steps of each row: (B, T), for plain CKA.</summary>
    public static Tensor UniformWeights(Tensor lengths, long steps)
    {
        using var scope = NewDisposeScope();
        using var stop = steps.ToScalar();   // arange(n) would make its own start and step
        var valid = arange(Zero, stop, One, dtype: int64, device: lengths.device).unsqueeze(0).lt(lengths.unsqueeze(1)).to(float32);
        return (valid / valid.sum(1, keepdim: true).clamp_min(One)).MoveToOuterDisposeScope();
    }
}
