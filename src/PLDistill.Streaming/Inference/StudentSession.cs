using PLDistill.Models.Features;
using PLDistill.Models.Lalm;

namespace PLDistill.Streaming.Inference;

/// <summary>
/// One live stream of the incremental student (sherpa-onnx style): its log-mel extractor, its encoder cache, and either
/// its LM cache (windowed-LM students) or its projector-cache slot (full-context-LM students). Created by
/// <see cref="StreamingStudent.Open"/>; disposing it frees its device state and its place.
/// </summary>
public sealed class StudentSession : RecognizerSession
{
    private readonly ProjectorCache? projectorCache;

    internal StudentSession(StreamingStudent owner, StreamingLogMelExtractor features, EncoderStreamState encoder,
                            LanguageModelStreamState? answer, ProjectorCache? projectorCache)
    {
        Owner = owner;
        Features = features;
        Encoder = encoder;
        Answer = answer;
        this.projectorCache = projectorCache;
        Slot = projectorCache?.Allocate() ?? -1;
    }

    internal StreamingStudent Owner { get; }
    internal StreamingLogMelExtractor Features { get; }
    internal EncoderStreamState Encoder { get; }
    internal LanguageModelStreamState? Answer { get; }   // windowed LM: per layer, the last W tokens' keys and values
    internal int Slot { get; }                           // full-context LM: the stream's projector-cache slot

    /// <summary>Device bytes this stream holds: encoder caches, plus LM caches or its projector-cache slot.</summary>
    public override long DeviceBytes => IsDisposed ? 0 : Encoder.Bytes + (Answer?.Bytes ?? 0) + (projectorCache?.BytesPerSlot ?? 0);

    /// <inheritdoc />
    protected override void Release()
    {
        Encoder.Dispose();
        Answer?.Dispose();
        if (projectorCache is not null)
            projectorCache.Free(Slot);
        Owner.Release();
    }
}
