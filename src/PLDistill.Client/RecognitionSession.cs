using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using PLDistill.Api.V1;
using PLDistill.Audio.Formats;

namespace PLDistill.Client;

/// <summary>
/// One Recognize call after its config: send audio (bytes in the config's encoding, or float samples that are encoded
/// for you), <see cref="CompleteAsync"/> when the audio ends, and read the events as they come. Sending and reading may
/// run concurrently (one sender, one reader), and should: the server's events, its summary and the status that says why
/// the call ended come on the reading side.
/// </summary>
/// <remarks>
/// When the server ends the call while audio is still being sent (a limit, a bad chunk, the server stopping), the
/// transport fails the send in ways of its own (a reset stream reads as CANCELLED, or an IOException). Sends and
/// <see cref="CompleteAsync"/> therefore always fail with an <see cref="RpcException"/> carrying the call's own status:
/// when <see cref="ReadEventsAsync"/> is running, they wait for it to reach that status; when nothing reads, they fail
/// at once with UNKNOWN, saying where the status is.
/// </remarks>
public sealed class RecognitionSession : IDisposable
{
    private readonly AsyncDuplexStreamingCall<AudioRequest, EmotionEvent> call;
    // The status the response stream ended with, once a reader has reached it.
    private readonly TaskCompletionSource<Status> responseEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int reading;

    internal RecognitionSession(AsyncDuplexStreamingCall<AudioRequest, EmotionEvent> call, StreamConfig config)
    {
        this.call = call;
        Config = config;
    }

    /// <summary>The config sent.</summary>
    public StreamConfig Config { get; }

    /// <summary>Sends interleaved audio bytes, already in the config's encoding (whole frames).</summary>
    /// <exception cref="RpcException">The call has ended; the exception carries its status (see the remarks).</exception>
    public Task SendAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken = default) =>
        SendAsync(ByteString.CopyFrom(audio.Span), cancellationToken);

    /// <summary>
    /// Sends interleaved float samples in [-1, 1], encoded as the config says (LINEAR16: scaled by 32768, rounded and
    /// clipped, so samples that came from 16-bit audio are sent exactly).
    /// </summary>
    /// <exception cref="RpcException">The call has ended; the exception carries its status (see the remarks).</exception>
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
        WriteRequestAsync(new AudioRequest { Audio = audio }, cancellationToken);

    // Any request, protocol errors included (the tests send a second config with it).
    internal Task WriteRequestAsync(AudioRequest request, CancellationToken cancellationToken) =>
        WithCallStatusAsync(() => call.RequestStream.WriteAsync(request, cancellationToken), cancellationToken);

    /// <summary>Ends the audio (half-closes the request stream); the final estimates and the summary follow.</summary>
    /// <exception cref="RpcException">The call had already ended; the exception carries its status.</exception>
    public Task CompleteAsync() => WithCallStatusAsync(() => call.RequestStream.CompleteAsync(), CancellationToken.None);

    /// <summary>The events, in order: started, estimates, summary; then the call's status (an <see cref="RpcException"/> unless OK).</summary>
    public async IAsyncEnumerable<EmotionEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref reading);
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false);
                }
                catch (RpcException ended)
                {
                    responseEnded.TrySetResult(ended.Status);
                    throw;
                }
                if (!more)
                {
                    responseEnded.TrySetResult(call.GetStatus());
                    yield break;
                }
                yield return call.ResponseStream.Current;
            }
        }
        finally
        {
            Interlocked.Decrement(ref reading);
        }
    }

    /// <summary>The call's status once it has ended.</summary>
    public Status Status => call.GetStatus();

    /// <summary>Cancels the call if it is still running and frees it.</summary>
    public void Dispose() => call.Dispose();

    // Runs a write; if the transport fails it, fails with the call's own status instead.
    private async Task WithCallStatusAsync(Func<Task> write, CancellationToken cancellationToken)
    {
        try
        {
            await write().ConfigureAwait(false);
        }
        catch (Exception failure) when (failure is RpcException or IOException or InvalidOperationException or HttpRequestException
                                        && !cancellationToken.IsCancellationRequested)
        {
            if (!responseEnded.Task.IsCompleted && Volatile.Read(ref reading) == 0)
                throw new RpcException(new Status(StatusCode.Unknown,
                    "the server ended the call while audio was being sent; its status and final events are read with ReadEventsAsync", failure));
            // The reader reaches the end of the response soon: the call is over.
            var status = await responseEnded.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            throw new RpcException(status.StatusCode == StatusCode.OK
                ? new Status(StatusCode.Unknown, "the server ended the call with OK before its audio was complete", failure)
                : status);
        }
    }
}
