using PLDistill.Models.Features;
using PLDistill.Models.Lalm;

namespace PLDistill.Streaming.Inference;

/// <summary>
/// One live stream of the incremental student (sherpa-onnx style): its log-mel extractor, its encoder cache and its
/// projector-cache slot. Created by <see cref="StreamingStudent.Open"/>; disposing it frees the slot.
/// </summary>
public sealed class StudentSession : RecognizerSession
{
    private readonly ProjectorCache cache;

    internal StudentSession(ProjectorCache cache, int slot, StreamingLogMelExtractor features, EncoderStreamState encoder)
    {
        this.cache = cache;
        Slot = slot;
        Features = features;
        Encoder = encoder;
    }

    internal ProjectorCache CacheOwner => cache;
    internal int Slot { get; }
    internal StreamingLogMelExtractor Features { get; }
    internal EncoderStreamState Encoder { get; }

    /// <summary>Device bytes this stream holds: encoder caches plus its projector-cache slot.</summary>
    public override long DeviceBytes => IsDisposed ? 0 : Encoder.Bytes + cache.BytesPerSlot;

    /// <inheritdoc />
    protected override void Release()
    {
        Encoder.Dispose();
        cache.Free(Slot);
    }
}
