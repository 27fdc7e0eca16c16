using static TorchSharp.torch;

namespace PLDistill.Distillation.Data;

/// <summary>Log-mel windows of different lengths as one zero-padded batch: the shape every encoder batch takes.</summary>
public static class MelPadding
{
    /// <summary>
    /// mel (B, T, M), T the longest window, zeros after each window's end, and lengths (B) in frames. Each window holds
    /// whole frames, row-major (frames × <paramref name="melBins"/>). The caller disposes both tensors.
    /// </summary>
    /// <exception cref="ArgumentException">No windows, or a window that is not a whole number of frames.</exception>
    public static (Tensor Mel, Tensor Lengths) Stack(IReadOnlyList<ReadOnlyMemory<float>> windows, int melBins)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0)
            throw new ArgumentException("a batch needs at least one window", nameof(windows));
        var lengths = new long[windows.Count];
        for (int b = 0; b < windows.Count; b++)
            lengths[b] = windows[b].Length % melBins == 0 ? windows[b].Length / melBins
                : throw new ArgumentException($"window {b} holds {windows[b].Length} values, not whole frames of {melBins} bins", nameof(windows));
        long steps = lengths.Max();
        var values = new float[windows.Count * steps * melBins];
        for (int b = 0; b < windows.Count; b++)
            windows[b].Span.CopyTo(values.AsSpan((int)(b * steps * melBins)));
        return (tensor(values, [windows.Count, steps, melBins]), tensor(lengths));
    }
}
