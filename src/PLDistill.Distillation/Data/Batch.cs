using static TorchSharp.torch;

namespace PLDistill.Distillation.Data;

/// <summary>A padded batch: mel (B, T, M), valid frames (B), class targets (B). Disposes its tensors.</summary>
public sealed record Batch(Tensor Mel, Tensor Lengths, Tensor Targets) : IDisposable
{
    /// <summary>Which clip of the builder each row is (its index), and where its window starts in that clip, in mel frames.</summary>
    public IReadOnlyList<(int Clip, int Offset)> Windows { get; init; } = [];

    /// <summary>Clips in the batch.</summary>
    public long Size => Mel.size(0);

    /// <summary>The same batch on <paramref name="device"/>.</summary>
    public Batch To(Device device) => new(Mel.to(device), Lengths.to(device), Targets.to(device)) { Windows = Windows };

    /// <inheritdoc />
    public void Dispose()
    {
        Mel.Dispose();
        Lengths.Dispose();
        Targets.Dispose();
    }
}
