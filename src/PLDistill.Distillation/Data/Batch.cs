using static TorchSharp.torch;

namespace PLDistill.Distillation.Data;

/// <summary>A padded batch: mel (B, T, M), valid frames (B), class targets (B). Disposes its tensors.</summary>
public sealed record Batch(Tensor Mel, Tensor Lengths, Tensor Targets) : IDisposable
{
    /// <summary>Clips in the batch.</summary>
    public long Size => Mel.shape[0];

    /// <summary>The same batch on <paramref name="device"/>.</summary>
    public Batch To(Device device) => new(Mel.to(device), Lengths.to(device), Targets.to(device));

    /// <inheritdoc />
    public void Dispose()
    {
        Mel.Dispose();
        Lengths.Dispose();
        Targets.Dispose();
    }
}
