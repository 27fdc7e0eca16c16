using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PLDistill.Models.Lalm;

/// <summary>
/// Log-mel (B, T, M) at 100 fps -> (B, T/s, D) at 100/s fps: a strided convolution over non-overlapping groups of s frames,
/// then a causal width-3 convolution (it sees the current and two previous encoder frames, never the future).
/// </summary>
public sealed class ConvolutionalSubsampling : Module
{
    /// <summary>Encoder frames the causal convolution looks back.</summary>
    public const int CausalContext = 2;

    private readonly TorchSharp.Modules.Conv1d merge, smooth;

    /// <summary>Subsamples by <paramref name="factor"/> into <paramref name="width"/> channels.</summary>
    public ConvolutionalSubsampling(int melBins, int width, int factor) : base(nameof(ConvolutionalSubsampling))
    {
        Factor = factor;
        merge = Conv1d(melBins, width, factor, stride: factor);
        smooth = Conv1d(width, width, CausalContext + 1);
        RegisterComponents();
    }

    /// <summary>Mel frames per encoder frame.</summary>
    public int Factor { get; }

    /// <summary>
    /// mel (B, T, M) -> (B, ⌊T/s⌋, D). <paramref name="history"/> (B, D, 2) holds the merged frames before this chunk
    /// (zeros at a stream's start); the returned history is what the next chunk needs.
    /// </summary>
    public (Tensor Output, Tensor History) Forward(Tensor mel, Tensor? history = null)
    {
        using var scope = NewDisposeScope();
        long frames = mel.shape[1] / Factor * Factor;
        var merged = functional.gelu(merge.forward(mel.narrow(1, 0, frames).transpose(1, 2)));   // (B, D, T')
        history ??= zeros(merged.shape[0], merged.shape[1], CausalContext, device: mel.device);
        var padded = cat([history, merged], 2);                                                   // (B, D, 2 + T')
        var output = functional.gelu(smooth.forward(padded)).transpose(1, 2);                     // (B, T', D)
        var nextHistory = padded.narrow(2, padded.shape[2] - CausalContext, CausalContext).contiguous();
        return (output.MoveToOuterDisposeScope(), nextHistory.MoveToOuterDisposeScope());
    }
}
