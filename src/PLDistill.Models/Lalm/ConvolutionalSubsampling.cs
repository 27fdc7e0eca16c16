using static TorchSharp.torch;
using static PLDistill.Models.Runtime.FinalizerFreeOperations;
using static TorchSharp.torch.nn;

namespace PLDistill.Models.Lalm;

/// <summary>
/// Log-mel (B, T, M) at 100 fps -> (B, T/s, D) at 100/s fps: a convolution of width and stride s over the frames, then
/// a causal convolution of width 3 (the current and two previous encoder frames, never the future).
/// Both are written as what they are, linear maps over stacked frames, which keeps the streaming state explicit
/// (the last two merged frames) and avoids libtorch's NNPACK path, which is unavailable on many CPUs.
/// </summary>
public sealed class ConvolutionalSubsampling : Module
{
    /// <summary>Encoder frames the causal convolution looks back.</summary>
    public const int CausalContext = 2;

    private readonly TorchSharp.Modules.Linear merge, smooth;

    /// <summary>Subsamples by <paramref name="factor"/> into <paramref name="width"/> channels.</summary>
    public ConvolutionalSubsampling(int melBins, int width, int factor) : base(nameof(ConvolutionalSubsampling))
    {
        Factor = factor;
        Width = width;
        merge = Linear(melBins * factor, width);
        smooth = Linear(width * (CausalContext + 1), width);
        RegisterComponents();
    }

    /// <summary>Mel frames per encoder frame.</summary>
    public int Factor { get; }

    /// <summary>Output channels.</summary>
    public int Width { get; }

    /// <summary>
    /// mel (B, T, M) -> (B, ⌊T/s⌋, D); mel frames past the last whole group are ignored (a stream carries them over).
    /// <paramref name="history"/> (B, 2, D) holds the merged frames before this chunk (zeros at a stream's start);
    /// the returned history is what the next chunk needs.
    /// </summary>
    public (Tensor Output, Tensor History) Forward(Tensor mel, Tensor? history = null)
    {
        using var scope = NewDisposeScope();
        long batch = mel.size(0), steps = mel.size(1) / Factor;
        var stacked = mel.narrow(1, 0, steps * Factor).reshape(batch, steps, Factor * mel.size(2));   // (B, T', s·M)
        var merged = functional.gelu(merge.forward(stacked));                                          // (B, T', D)
        history ??= zeros(batch, CausalContext, Width, dtype: mel.dtype, device: mel.device);
        var padded = Concatenate([history, merged], 1);                                                        // (B, 2 + T', D)
        var nextHistory = padded.narrow(1, steps, CausalContext).contiguous();
        if (steps == 0)
            return (merged.MoveToOuterDisposeScope(), nextHistory.MoveToOuterDisposeScope());
        var windows = padded.unfold(1, CausalContext + 1, 1)                                           // (B, T', D, 3)
            .transpose(2, 3).reshape(batch, steps, (CausalContext + 1) * Width);                       // oldest frame first
        var output = functional.gelu(smooth.forward(windows));                                         // (B, T', D)
        return (output.MoveToOuterDisposeScope(), nextHistory.MoveToOuterDisposeScope());
    }
}
