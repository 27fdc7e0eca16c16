using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Streaming.Inference;

/// <summary>
/// The shared, immutable recognizer: one student model serving many streams. Each hop, only the new audio passes through
/// features, encoder (with its key/value cache) and projector; the projector outputs go to the stream's slot of a
/// device-resident <see cref="ProjectorCache"/>; the LM reads the last window straight from there.
/// </summary>
/// <remarks>Not thread-safe: the engine's inference loop calls it. Streams are independent.</remarks>
public sealed class StreamingStudent : IDisposable
{
    private readonly AudioLanguageModel model;
    private readonly LogMelSpectrogram spectrogram;

    /// <summary>A recognizer for up to <paramref name="maxStreams"/> concurrent streams on <paramref name="device"/>.</summary>
    public StreamingStudent(AudioLanguageModel model, LogMelOptions features, StreamingParameters streaming, EmotionLabelSet labels,
                            Device device, int maxStreams)
    {
        if (!model.Config.Encoder.IsStreamable)
            throw new ArgumentException("the model's encoder has full context; only streaming students can run incrementally", nameof(model));
        this.model = model;
        Device = device;
        Labels = labels;
        Streaming = streaming;
        Features = features;
        spectrogram = new LogMelSpectrogram(features);
        spectrogram.to(device);
        model.to(device);
        model.eval();
        double encoderFramesPerSecond = features.FramesPerSecond / model.Config.Encoder.Subsampling;
        WindowFrames = (int)Math.Round(streaming.WindowSeconds * encoderFramesPerSecond);
        Cache = new ProjectorCache(maxStreams, WindowFrames, model.Config.LanguageModel.Width, device);
    }

    /// <summary>Where the model, features and cache live.</summary>
    public Device Device { get; }

    /// <summary>The classes estimates are over.</summary>
    public EmotionLabelSet Labels { get; }

    /// <summary>Hop and window.</summary>
    public StreamingParameters Streaming { get; }

    /// <summary>Front-end settings (sample rate included).</summary>
    public LogMelOptions Features { get; }

    /// <summary>Projector frames the LM reads per estimate.</summary>
    public int WindowFrames { get; }

    internal ProjectorCache Cache { get; }

    /// <summary>Starts a stream.</summary>
    /// <exception cref="InvalidOperationException">All stream slots are in use.</exception>
    public StudentSession Open()
    {
        int slot = Cache.Allocate();
        return new StudentSession(this, slot, new StreamingLogMelExtractor(spectrogram, Device), model.Encoder.CreateStreamState());
    }

    /// <summary>Feeds the next samples (mono, model rate) of <paramref name="stream"/> and estimates over its last window.</summary>
    public EmotionScores Step(StudentSession stream, ReadOnlySpan<float> samples)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var mel = stream.Features.Accept(samples).unsqueeze(0);                  // (1, F, M) on the device
        var encoded = model.Encoder.Step(mel, stream.Encoder);                   // (1, t', D_enc), only new frames
        var projected = model.Projector.forward(encoded)[0];                     // (t', D_lm)
        Cache.Append(stream.Slot, projected);
        stream.SamplesAccepted += samples.Length;

        var window = Cache.Window(stream.Slot, WindowFrames);                    // (n, D_lm) view, no copy
        long n = window.shape[0];
        double seconds = (double)stream.SamplesAccepted / Features.SampleRate;
        if (n == 0)
            return new EmotionScores(Enumerable.Repeat(1f / Labels.Count, Labels.Count).ToArray(), 0, seconds);
        var (logits, _) = model.Answer(window.unsqueeze(0), tensor(new[] { n }, device: Device));
        var probabilities = model.ClassLogits(logits.select(1, logits.shape[1] - 1), Labels).softmax(1)[0].cpu();
        return new EmotionScores(probabilities.data<float>().ToArray(), n, seconds);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Cache.Dispose();
        spectrogram.Dispose();
    }
}
