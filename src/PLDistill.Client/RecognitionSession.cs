using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using PLDistill.Api.V1;
using PLDistill.Audio.Formats;

namespace PLDistill.Client;

/// <summary>
/// One Recognize call after its config: send audio (bytes in the config's encoding, or float samples that are encoded
/// for you), <see cref="CompleteAsync"/> when the audio ends, and read the events as they come. Sending and reading may
/// run concurrently (one sender, one reader).
/// </summary>
public sealed class RecognitionSession : IDisposable
{
    private readonly AsyncDuplexStreamingCall<AudioRequest, EmotionEvent> call;

    internal RecognitionSession(AsyncDuplexStreamingCall<AudioRequest, EmotionEvent> call, StreamConfig config)
    {
        this.call = call;
        Config = config;
    }

    /// <summary>The config sent.</summary>
    public StreamConfig Config { get; }

    /// <summary>Sends interleaved audio bytes, already in the config's encoding (whole frames).</summary>
    public Task SendAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken = default) =>
        SendAsync(ByteString.CopyFrom(audio.Span), cancellationToken);

    /// <summary>
    /// Sends interleaved float samples in [-1, 1], encoded as the config says (LINEAR16: scaled by 32768, rounded and
    /// clipped, so samples that came from 16-bit audio are sent exactly).
    /// </summary>
    public Task SendSamplesAsync(ReadOnlyMemory<float> interleaved, CancellationToken cancellationToken = default)
    {
        var samples = interleaved.Span;
        if (Config.Encoding == AudioEncoding.Float32)
            return SendAsync(ByteString.CopyFrom(MemoryMarshal.AsBytes(samples)), cancellationToken);
        // Encoded straight into the message's own buffer: no scratch copy, and nothing shared between sends.
        var bytes = new byte[samples.Length * sizeof(short)];
        PcmSampleEncoder.Encode(samples, SampleEncoding.Int16, bytes);
        return SendAsync(UnsafeByteOperations.UnsafeWrap(bytes), cancellationToken);
    }

    private Task SendAsync(ByteString audio, CancellationToken cancellationToken) =>
        call.RequestStream.WriteAsync(new AudioRequest { Audio = audio }, cancellationToken);

    // Any request, protocol errors included (the tests send a second config with it).
    internal Task WriteRequestAsync(AudioRequest request, CancellationToken cancellationToken) =>
        call.RequestStream.WriteAsync(request, cancellationToken);

    /// <summary>Ends the audio (half-closes the request stream); the final estimates and the summary follow.</summary>
    public Task CompleteAsync() => call.RequestStream.CompleteAsync();

    /// <summary>The events, in order: started, estimates, summary; then the call's status (an <see cref="RpcException"/> unless OK).</summary>
    public IAsyncEnumerable<EmotionEvent> ReadEventsAsync(CancellationToken cancellationToken = default) =>
        call.ResponseStream.ReadAllAsync(cancellationToken);

    /// <summary>The call's status once it has ended.</summary>
    public Status Status => call.GetStatus();

    /// <summary>Cancels the call if it is still running and frees it.</summary>
    public void Dispose() => call.Dispose();
}
