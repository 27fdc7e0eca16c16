using static TorchSharp.torch;

namespace PLDistill.Models.Lalm;

/// <summary>
/// What one encoder step over a batch of streams returns: each stream's new frames, padded to the longest so that the
/// next stage (the projector) can run once over all of them. The caller disposes it (or takes <see cref="Frames"/>).
/// </summary>
/// <param name="Frames">(B, T', D): row b holds stream b's <c>Counts[b]</c> new frames, then padding whose values mean nothing</param>
/// <param name="Counts">New encoder frames per stream; 0 when a stream's pending mel does not yet fill a subsampling group</param>
public sealed record EncoderStep(Tensor Frames, int[] Counts) : IDisposable
{
    /// <summary>Stream <paramref name="stream"/>'s new frames, (t', D): a view of <see cref="Frames"/>.</summary>
    public Tensor Of(int stream) => Frames[stream].narrow(0, 0, Counts[stream]);

    /// <inheritdoc />
    public void Dispose() => Frames.Dispose();
}
