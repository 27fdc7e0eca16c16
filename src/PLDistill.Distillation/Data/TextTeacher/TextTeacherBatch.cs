using PLDistill.Distillation.Losses.Pad;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Data.TextTeacher;

/// <summary>
/// Padded text-teacher outputs of B utterances: features (B, T, D) float32, zero after each length; lengths (B) int64; and
/// one attention map (B, H, T, T) float32 per requested layer, zero in padded rows and columns. Disposes its tensors.
/// </summary>
public sealed record TextTeacherBatch(Tensor Features, Tensor Lengths, IReadOnlyList<Tensor> Attention) : IDisposable
{
    /// <summary>B: utterances in the batch.</summary>
    public long Size => Features.size(0);

    /// <summary>T: tokens per row, padding included (the longest utterance).</summary>
    public long Steps => Features.size(1);

    /// <summary>The same batch on <paramref name="device"/>, as new tensors the caller disposes.</summary>
    public TextTeacherBatch To(Device device) => new(Features.to(device), Lengths.to(device), [.. Attention.Select(map => map.to(device))]);

    /// <summary>The batch as the text side of a PAD pair; the sequence borrows these tensors, which this batch still owns.</summary>
    public PadSequence ToPadSequence() => new(Features, Lengths, Attention);

    /// <inheritdoc />
    public void Dispose()
    {
        Features.Dispose();
        Lengths.Dispose();
        foreach (var map in Attention)
            map.Dispose();
    }
}
