using static TorchSharp.torch;

namespace PLDistill.Models.Lalm;

/// <summary>
/// Everything one stream's encoder must remember between steps, on the model's device: mel frames that do not yet fill
/// a subsampling group, the last two merged frames (the causal convolution's context), and per layer the keys and values
/// of the last <see cref="EncoderConfig.LeftContextFrames"/> frames. Bounded however long the stream runs.
/// </summary>
/// <remarks>The state owns its tensors: each replacement disposes the tensor it replaces.</remarks>
public sealed class EncoderStreamState : IDisposable
{
    internal EncoderStreamState(int layers, int window) => Cache = new KeyValueCache(layers, window);

    internal Tensor? PendingMel { get; private set; }          // (1, < s, M), normalised
    internal Tensor? SubsamplingHistory { get; private set; }  // (1, 2, D)
    internal KeyValueCache Cache { get; }                      // per layer, the last W frames

    /// <summary>Frames whose keys and values are cached (the same in every layer): min(W, <see cref="FramesEncoded"/>).</summary>
    internal long CachedFrames => Cache.Frames;

    /// <summary>Encoder frames produced so far; the position of the next one.</summary>
    public long FramesEncoded { get; private set; }

    /// <summary>Bytes of device memory the state holds now.</summary>
    public long Bytes => new[] { PendingMel, SubsamplingHistory }.Sum(t => t is null ? 0 : t.numel() * t.element_size()) + Cache.Bytes;

    /// <summary>Takes <paramref name="pending"/> as the mel frames carried over to the next step.</summary>
    internal void CarryOver(Tensor pending)
    {
        PendingMel?.Dispose();
        PendingMel = pending;
    }

    /// <summary>Records <paramref name="frames"/> newly encoded frames: the convolution's new history and each layer's new keys and values.</summary>
    internal void Advance(int frames, Tensor history, Tensor[] keys, Tensor[] values)
    {
        SubsamplingHistory?.Dispose();
        SubsamplingHistory = history;
        for (int layer = 0; layer < keys.Length; layer++)
            Cache.Append(layer, keys[layer], values[layer]);
        FramesEncoded += frames;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        PendingMel?.Dispose();
        SubsamplingHistory?.Dispose();
        Cache.Dispose();
    }
}
