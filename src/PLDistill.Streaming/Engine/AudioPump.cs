using PLDistill.Audio.Formats;
using PLDistill.Audio.Processing;
using PLDistill.Audio.Sources;

namespace PLDistill.Streaming.Engine;

/// <summary>
/// The pipeline's first stage: reads a source in its native format, downmixes and resamples to the model's rate
/// (<see cref="MonoConditioner"/>), and writes into a stream of the engine; ends the stream at the source's end.
/// </summary>
public static class AudioPump
{
    /// <summary>Audio read per iteration: 20 ms, small enough that hops are cut on time for live sources.</summary>
    private const double ChunkSeconds = 0.02;

    /// <summary>
    /// Pumps <paramref name="source"/> into <paramref name="stream"/> until the source ends (then completes the stream) or
    /// <paramref name="cancellationToken"/> fires (then also completes it: the audio so far is still estimated).
    /// Undecodable audio, or a source that fails (a recorder that died), fails the stream with
    /// <see cref="StreamingErrorKind.InvalidAudio"/> and returns normally; so does a stream the engine ended (its model
    /// failed, or the engine is shutting down): the stream's <see cref="StreamHandle.Completion"/> and observers carry why.
    /// </summary>
    public static async Task RunAsync(IAudioSource source, StreamHandle stream, int modelSampleRate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            var conditioner = new MonoConditioner(source.Format, modelSampleRate);
            int frames = Math.Max(1, (int)(source.Format.SampleRate * ChunkSeconds));
            var interleaved = new float[frames * source.Format.Channels];
            var mono = new float[conditioner.MaxOutputFor(interleaved.Length)];
            while (!cancellationToken.IsCancellationRequested)
            {
                int read;
                try
                {
                    read = await source.ReadAsync(interleaved, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                if (read == 0)
                    break;
                int produced = conditioner.Process(interleaved.AsSpan(0, read * source.Format.Channels), mono);
                await stream.WriteAsync(mono.AsMemory(0, produced), CancellationToken.None).ConfigureAwait(false);
            }
            int tail = conditioner.Flush(mono);
            await stream.WriteAsync(mono.AsMemory(0, tail), CancellationToken.None).ConfigureAwait(false);
            await stream.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception bad) when (bad is AudioFormatException or IOException or AudioSourceException)
        {
            // Name the source once: the exception's message may already begin with it, and the stream's id may be it
            // (pld run names its stream after its source), which the engine's own "stream '…': " prefix then says.
            string detail = bad.Message.StartsWith(source.Name + ": ", StringComparison.Ordinal) ? bad.Message[(source.Name.Length + 2)..] : bad.Message;
            string message = source.Name == stream.Id ? detail : $"{source.Name}: {detail}";
            stream.Fail(new StreamingEngineException(StreamingErrorKind.InvalidAudio, stream.Id, message, bad));
        }
        catch (StreamingEngineException ended) when (stream.IsEndedByEngine(ended))
        {
            // The engine ended the stream, or is stopping: its observers and Completion say how it ended.
        }
    }
}
