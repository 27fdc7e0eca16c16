using System.Globalization;
using PLDistill.Audio.Formats;
using PLDistill.Audio.Processing;
using PLDistill.Server.Errors;

namespace PLDistill.Server.Calls;

/// <summary>
/// One stream's audio chunks (interleaved LINEAR16 or FLOAT32 bytes at the client's rate) to mono floats at the model's
/// rate: checks each chunk holds whole frames and, for FLOAT32, finite samples; then decodes, downmixes and resamples.
/// Reuses its buffers; not thread-safe.
/// </summary>
internal sealed class AudioChunkDecoder(PcmFormat format, int modelSampleRate)
{
    // FLOAT32 samples far outside [-1, 1] are almost always integer samples sent as floats.
    private const float LargestFloatSample = 16f;

    private readonly MonoConditioner conditioner = new(format, modelSampleRate);
    private float[] interleaved = [];
    private float[] mono = new float[4096];

    /// <summary>Bytes of one frame (all channels).</summary>
    public int FrameBytes { get; } = format.BlockAlign;

    /// <summary>The mono model-rate samples <paramref name="bytes"/> make available (valid until the next call).</summary>
    /// <exception cref="Grpc.Core.RpcException">INVALID_ARGUMENT naming the message, for partial frames or bad samples.</exception>
    public ReadOnlyMemory<float> Decode(ReadOnlySpan<byte> bytes, long messageNumber)
    {
        if (bytes.Length % FrameBytes != 0)
            throw ServiceErrors.InvalidArgument(
                $"request message {messageNumber}: {bytes.Length} audio bytes are not a whole number of {FrameBytes}-byte frames " +
                $"({Name(format.Encoding)}, {format.Channels} channel{(format.Channels == 1 ? "" : "s")}); send whole frames in every chunk");
        int samples = bytes.Length / format.Encoding.BytesPerSample();
        if (interleaved.Length < samples)
            interleaved = new float[Math.Max(samples, interleaved.Length * 2)];
        var span = interleaved.AsSpan(0, samples);
        PcmSampleDecoder.Decode(bytes, format.Encoding, span);
        if (format.Encoding == SampleEncoding.Float32)
            CheckFloats(span, messageNumber);
        int room = conditioner.MaxOutputFor(samples);
        if (mono.Length < room)
            mono = new float[Math.Max(room, mono.Length * 2)];
        int produced = conditioner.Process(span, mono);
        return mono.AsMemory(0, produced);
    }

    /// <summary>The resampler's tail at the end of the stream.</summary>
    public ReadOnlyMemory<float> Flush()
    {
        int room = conditioner.MaxOutputFor(0);
        if (mono.Length < room)
            mono = new float[room];
        return mono.AsMemory(0, conditioner.Flush(mono));
    }

    private void CheckFloats(ReadOnlySpan<float> samples, long messageNumber)
    {
        for (int i = 0; i < samples.Length; i++)
        {
            float x = samples[i];
            if (!float.IsFinite(x))
                throw ServiceErrors.InvalidArgument(
                    $"request message {messageNumber}: sample {i} (frame {i / format.Channels}, channel {i % format.Channels}) is {x.ToString(CultureInfo.InvariantCulture)}; FLOAT32 audio must be finite");
            if (Math.Abs(x) > LargestFloatSample)
                throw ServiceErrors.InvalidArgument(
                    $"request message {messageNumber}: sample {i} is {x.ToString("0.###", CultureInfo.InvariantCulture)}; FLOAT32 audio is in [-1, 1] " +
                    "(integer samples belong in AUDIO_ENCODING_LINEAR16)");
        }
    }

    private static string Name(SampleEncoding encoding) => encoding == SampleEncoding.Int16 ? "LINEAR16" : "FLOAT32";
}
