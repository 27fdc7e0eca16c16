using static TorchSharp.torch;

namespace PLDistill.Models.Lalm;

/// <summary>
/// Everything one stream's encoder must remember between steps, on the model's device: mel frames that do not yet fill
/// a subsampling group, the last two merged frames (the causal convolution's context), and per layer the keys and values
/// of the last <see cref="EncoderConfig.LeftContextFrames"/> frames. Bounded however long the stream runs.
/// </summary>
public sealed class EncoderStreamState : IDisposable
{
    internal EncoderStreamState(int layers)
    {
        Keys = new Tensor?[layers];
        Values = new Tensor?[layers];
    }

    internal Tensor? PendingMel { get; set; }          // (1, < s, M), normalised
    internal Tensor? SubsamplingHistory { get; set; }  // (1, 2, D)
    internal Tensor?[] Keys { get; }                   // per layer (1, H, ≤ W, d)
    internal Tensor?[] Values { get; }

    /// <summary>Encoder frames produced so far; the position of the next one.</summary>
    public long FramesEncoded { get; internal set; }

    /// <summary>Bytes of device memory the state holds now.</summary>
    public long Bytes => new[] { PendingMel, SubsamplingHistory }.Concat(Keys).Concat(Values)
        .Sum(t => t is null ? 0 : t.numel() * t.element_size());

    /// <inheritdoc />
    public void Dispose()
    {
        PendingMel?.Dispose();
        SubsamplingHistory?.Dispose();
        foreach (var t in Keys.Concat(Values))
            t?.Dispose();
    }
}
