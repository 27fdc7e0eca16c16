using PLDistill.Models.Features;
using PLDistill.Models.Lalm;

namespace PLDistill.Streaming.Inference;

/// <summary>
/// One live stream's state (sherpa-onnx style): its log-mel extractor, its encoder cache and its projector-cache slot.
/// Created by <see cref="StreamingStudent.Open"/>; disposing it frees the slot.
/// </summary>
public sealed class StudentSession : IDisposable
{
    private readonly StreamingStudent owner;
    private bool disposed;

    internal StudentSession(StreamingStudent owner, int slot, StreamingLogMelExtractor features, EncoderStreamState encoder)
    {
        this.owner = owner;
        Slot = slot;
        Features = features;
        Encoder = encoder;
    }

    internal int Slot { get; }
    internal StreamingLogMelExtractor Features { get; }
    internal EncoderStreamState Encoder { get; }

    /// <summary>Audio samples (at the model's rate) accepted so far.</summary>
    public long SamplesAccepted { get; internal set; }

    /// <summary>Device bytes this stream holds: encoder caches plus its projector-cache slot.</summary>
    public long DeviceBytes => Encoder.Bytes + owner.Cache.BytesPerSlot;

    /// <inheritdoc />
    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        Encoder.Dispose();
        owner.Cache.Free(Slot);
    }
}
