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
/// when <see cref="ReadEventsAsync"/> is waiting for the next event, they wait for it to reach that status; when a reader
/// is busy with an event (it may be the sender itself) they wait for it at most <see cref="StatusGrace"/>; when nothing
/// reads, or the grace runs out, they fail with UNKNOWN, saying where the status is.
/// A send's cancellation token stops that send's wait, never the call (gRPC's own token would cancel the whole call and
/// every estimate still to come): a chunk already handed to the transport still goes, and the next send waits for it.
/// </remarks>
public sealed class RecognitionSession : IDisposable
{
    private readonly AsyncDuplexStreamingCall<AudioRequest, EmotionEvent> call;
    // The status the response stream ended with, once a reader has reached it.
    private readonly TaskCompletionSource<Status> responseEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int readers;                                 // ReadEventsAsync enumerations under way
    private int awaitingEvent;                           // 1 while one waits for the next event
    private Task lastWrite = Task.CompletedTask;         // a write a cancelled send stopped waiting for goes out first
    private bool audioCompleted;

    /// <summary>How long a failed send waits for the call's status while the reader is busy with an event.</summary>
    public static TimeSpan StatusGrace { get; } = TimeSpan.FromSeconds(2);

    internal RecognitionSession(AsyncDuplexStreamingCall<AudioRequest, EmotionEvent> call, StreamConfig config)
    {
        this.call = call;
        Config = config;
    }

    /// <summary>The config sent.</summary>
    public StreamConfig Config { get; }

    /// <summary>Sends interleaved audio bytes, already in the config's encoding (whole frames).</summary>
    /// <exception cref="RpcException">The call has ended; the exception carries its status (see the remarks).</exception>
    /// <exception cref="InvalidOperationException">The audio was already ended with <see cref="CompleteAsync"/>.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; the call goes on (see the remarks).</exception>
    public Task SendAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken = default) =>
        SendAsync(ByteString.CopyFrom(audio.Span), cancellationToken);

    /// <summary>
    /// Sends interleaved float samples in [-1, 1], encoded as the config says (LINEAR16: scaled by 32768, rounded and
    /// clipped, so samples that came from 16-bit audio are sent exactly).
    /// </summary>
    /// <exception cref="RpcException">The call has ended; the exception carries its status (see the remarks).</exception>
    /// <exception cref="InvalidOperationException">The audio was already ended with <see cref="CompleteAsync"/>.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; the call goes on (see the remarks).</exception>
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
    internal Task WriteRequestAsync(AudioRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (audioCompleted)
            throw new InvalidOperationException("the audio was already ended with CompleteAsync; start a new call to send more");
        return WithCallStatusAsync(async () =>
        {
            await lastWrite.WaitAsync(cancellationToken).ConfigureAwait(false);
            // No token for the transport: gRPC would cancel the whole call with it.
            var write = lastWrite = call.RequestStream.WriteAsync(request);
            try
            {
                await write.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The next send or CompleteAsync awaits it; if none comes, its failure must not go unobserved.
                _ = write.ContinueWith(static done => _ = done.Exception, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                throw;
            }
        }, cancellationToken);
    }

    /// <summary>
    /// Ends the audio (half-closes the request stream); the final estimates and the summary follow. Calling it again does
    /// nothing.
    /// </summary>
    /// <exception cref="RpcException">The call had already ended; the exception carries its status.</exception>
    public Task CompleteAsync()
    {
        if (audioCompleted)
            return Task.CompletedTask;
        audioCompleted = true;
        return WithCallStatusAsync(async () =>
        {
            await lastWrite.ConfigureAwait(false);
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }, CancellationToken.None);
    }

    /// <summary>The events, in order: started, estimates, summary; then the call's status (an <see cref="RpcException"/> unless OK).</summary>
    public async IAsyncEnumerable<EmotionEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref readers);
        try
        {
            while (true)
            {
                bool more;
                Volatile.Write(ref awaitingEvent, 1);
                try
                {
                    more = await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false);
                }
                catch (RpcException ended)
                {
                    responseEnded.TrySetResult(ended.Status);
                    throw;
                }
                finally
                {
                    Volatile.Write(ref awaitingEvent, 0);
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
            Interlocked.Decrement(ref readers);
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
            var status = await StatusFromReaderAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new RpcException(new Status(StatusCode.Unknown,
                    "the server ended the call while audio was being sent; its status and final events are read with ReadEventsAsync", failure));
            throw new RpcException(status.StatusCode == StatusCode.OK
                ? new Status(StatusCode.Unknown, "the server ended the call with OK before its audio was complete", failure)
                : status);
        }
    }

    // The status ReadEventsAsync reaches once the call is over, or null where no reader will reach it in time.
    private async Task<Status?> StatusFromReaderAsync(CancellationToken cancellationToken)
    {
        if (responseEnded.Task.IsCompleted)
            return await responseEnded.Task.ConfigureAwait(false);
        if (Volatile.Read(ref readers) == 0)
            return null;                                      // nothing reads
        if (Volatile.Read(ref awaitingEvent) == 1)
            return await responseEnded.Task.WaitAsync(cancellationToken).ConfigureAwait(false);   // it reaches the end soon
        try
        {
            // The reader is busy with an event, and may be this very sender: wait, but not for ever.
            return await responseEnded.Task.WaitAsync(StatusGrace, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }
}
