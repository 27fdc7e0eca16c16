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

    internal StudentSession(ProjectorCache cache, int slot, StreamingLogMelExtractor features, EncoderStreamState encoder,
                            LanguageModelStreamState? answer)
    {
        Answer = answer;
        this.cache = cache;
        Slot = slot;
        Features = features;
        Encoder = encoder;
    }

    internal ProjectorCache CacheOwner => cache;
    internal int Slot { get; }
    internal StreamingLogMelExtractor Features { get; }
    internal EncoderStreamState Encoder { get; }
    internal LanguageModelStreamState? Answer { get; }   // windowed-LM students: the LM's per-layer cache of the last W tokens

    /// <summary>Device bytes this stream holds: encoder caches, LM caches and its projector-cache slot.</summary>
    public override long DeviceBytes => IsDisposed ? 0 : Encoder.Bytes + (Answer?.Bytes ?? 0) + cache.BytesPerSlot;

    /// <inheritdoc />
    protected override void Release()
    {
        Encoder.Dispose();
        Answer?.Dispose();
        cache.Free(Slot);
    }
}
