using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using PLDistill.Api.V1;

namespace PLDistill.Client;

/// <summary>
/// One Recognize call after its config: send audio (bytes in the config's encoding, or float samples that are encoded
/// for you), <see cref="CompleteAsync"/> when the audio ends, and read the events as they come. Sending and reading may
/// run concurrently (one sender, one reader).
/// </summary>
public sealed class RecognitionSession : IDisposable
{
    private readonly AsyncDuplexStreamingCall<AudioRequest, EmotionEvent> call;
    private byte[] scratch = [];

    internal RecognitionSession(AsyncDuplexStreamingCall<AudioRequest, EmotionEvent> call, StreamConfig config)
    {
        this.call = call;
        Config = config;
    }

    /// <summary>The config sent.</summary>
    public StreamConfig Config { get; }

    /// <summary>Sends interleaved audio bytes, already in the config's encoding (whole frames).</summary>
    public Task SendAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken = default) =>
        call.RequestStream.WriteAsync(new AudioRequest { Audio = ByteString.CopyFrom(audio.Span) }, cancellationToken);

    /// <summary>
    /// Sends interleaved float samples in [-1, 1], encoded as the config says (LINEAR16: scaled by 32768, rounded and
    /// clipped, so samples that came from 16-bit audio are sent exactly).
    /// </summary>
    public Task SendSamplesAsync(ReadOnlyMemory<float> interleaved, CancellationToken cancellationToken = default)
    {
        var samples = interleaved.Span;
        if (Config.Encoding == AudioEncoding.Float32)
            return SendAsync(MemoryMarshal.AsBytes(samples).ToArray(), cancellationToken);
        int bytes = samples.Length * sizeof(short);
        if (scratch.Length < bytes)
            scratch = new byte[bytes];
        for (int i = 0; i < samples.Length; i++)
        {
            float scaled = MathF.Round(samples[i] * 32768f);
            BinaryPrimitives.WriteInt16LittleEndian(scratch.AsSpan(i * 2), (short)Math.Clamp(scaled, short.MinValue, short.MaxValue));
        }
        return SendAsync(scratch.AsMemory(0, bytes), cancellationToken);
    }

    // Any request, protocol errors included (the tests send a second config with it).
    internal Task WriteRequestAsync(AudioRequest request, CancellationToken cancellationToken) =>
        call.RequestStream.WriteAsync(request, cancellationToken);

    /// <summary>Ends the audio (half-closes the request stream); the final estimates and the summary follow.</summary>
    public Task CompleteAsync() => call.RequestStream.CompleteAsync();

    /// <summary>The events, in order: started, estimates, summary; then the call's status (an <see cref="RpcException"/> unless OK).</summary>
    public async IAsyncEnumerable<EmotionEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            yield return item;
    }

    /// <summary>The call's status once it has ended.</summary>
    public Status Status => call.GetStatus();

    /// <summary>Cancels the call if it is still running and frees it.</summary>
    public void Dispose() => call.Dispose();
}
