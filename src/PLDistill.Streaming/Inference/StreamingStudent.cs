using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Streaming.Inference;

/// <summary>
/// The incremental student: one model serving many streams. Each hop, only the new audio passes through features,
/// encoder (each stream with its own key/value cache, all streams in one batched step) and projector; the projector
/// outputs go to the stream's slot of a device-resident <see cref="ProjectorCache"/>; the LM reads every ready stream's
/// last window straight from there, in one batch.
/// </summary>
public sealed class StreamingStudent : IEmotionRecognizer
{
    private readonly AudioLanguageModel model;
    private readonly LogMelSpectrogram spectrogram;
    private readonly LogMelOptions features;

    /// <summary>A recognizer for up to <paramref name="maxStreams"/> concurrent streams on <paramref name="device"/>.</summary>
    public StreamingStudent(AudioLanguageModel model, LogMelOptions features, StreamingParameters streaming, EmotionLabelSet labels,
                            Device device, int maxStreams)
    {
        if (!model.Config.Encoder.IsStreamable)
            throw new ArgumentException("the model's encoder has full context; only streaming students can run incrementally", nameof(model));
        this.model = model;
        this.features = features;
        Device = device;
        Labels = labels;
        Streaming = streaming;
        spectrogram = new LogMelSpectrogram(features);
        spectrogram.to(device);
        model.to(device);
        model.eval();
        double encoderFramesPerSecond = features.FramesPerSecond / model.Config.Encoder.Subsampling;
        WindowFrames = (int)Math.Round(streaming.WindowSeconds * encoderFramesPerSecond);
        Cache = new ProjectorCache(maxStreams, WindowFrames, model.Config.LanguageModel.Width, device);
    }

    /// <inheritdoc />
    public Device Device { get; }

    /// <inheritdoc />
    public EmotionLabelSet Labels { get; }

    /// <inheritdoc />
    public StreamingParameters Streaming { get; }

    /// <inheritdoc />
    public int SampleRate => features.SampleRate;

    /// <inheritdoc />
    public int MaxStreams => Cache.Slots;

    /// <inheritdoc />
    public int OpenStreams => Cache.SlotsInUse;

    /// <summary>Projector frames the LM reads per estimate.</summary>
    public int WindowFrames { get; }

    internal ProjectorCache Cache { get; }

    /// <inheritdoc />
    public RecognizerSession Open()
    {
        int slot = Cache.Allocate();
        return new StudentSession(Cache, slot, new StreamingLogMelExtractor(spectrogram, Device), model.Encoder.CreateStreamState(),
            model.Config.LanguageModel.IsStreamable ? model.CreateAnswerStreamState() : null);
    }

    /// <summary>One stream, one hop: <see cref="Advance(IReadOnlyList{HopInput})"/> with a batch of one.</summary>
    public EmotionScores Advance(RecognizerSession stream, ReadOnlySpan<float> samples) =>
        Advance([new HopInput(stream, samples.ToArray())])[0];

    /// <inheritdoc />
    public IReadOnlyList<EmotionScores> Advance(IReadOnlyList<HopInput> hops)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();

        // Check every stream before any state moves: a bad batch leaves all of them as they were.
        var sessions = new StudentSession[hops.Count];
        for (int i = 0; i < hops.Count; i++)
            sessions[i] = Session(hops[i].Session);
        if (sessions.Distinct().Count() != sessions.Length)
            throw new ArgumentException("a stream appears twice in one batch; join its hops instead", nameof(hops));

        // New audio -> features, per stream; then one encoder step (each stream continuing its own cache) and one projector
        // pass for the whole batch; each stream's new frames go to its cache slot.
        var mels = new Tensor[hops.Count];
        var encoderStates = new EncoderStreamState[hops.Count];
        for (int i = 0; i < hops.Count; i++)
        {
            mels[i] = sessions[i].Features.Accept(hops[i].Samples.Span).unsqueeze(0);   // (1, F, M) on the device
            encoderStates[i] = sessions[i].Encoder;
        }
        var encoded = model.Encoder.Step(mels, encoderStates);                           // (B, t', D_enc), only new frames
        var projected = model.Projector.forward(encoded.Frames);                         // (B, t', D_lm)
        if (model.Config.LanguageModel.IsStreamable)
            return AdvanceWindowedLanguageModel(hops, sessions, projected, encoded.Counts);

        var windows = new Tensor[hops.Count];
        for (int i = 0; i < hops.Count; i++)
        {
            Cache.Append(sessions[i].Slot, projected[i].narrow(0, 0, encoded.Counts[i])); // (t'_i, D_lm); padding stays out
            sessions[i].SamplesAccepted += hops[i].Samples.Length;
            windows[i] = Cache.Window(sessions[i].Slot, WindowFrames);                   // (n, D_lm) view, no copy
        }

        // Cache -> LM head, all streams that have audio frames in one forward pass.
        var ready = Enumerable.Range(0, hops.Count).Where(i => windows[i].shape[0] > 0).ToArray();
        var probabilities = new float[hops.Count][];
        if (ready.Length > 0)
        {
            var lengths = ready.Select(i => windows[i].shape[0]).ToArray();
            long longest = lengths.Max();
            var batch = stack(ready.Select(i => windows[i].shape[0] == longest ? windows[i]
                : nn.functional.pad(windows[i], [0, 0, 0, longest - windows[i].shape[0]])).ToArray());   // (B, n, D)
            var (logits, _) = model.Answer(batch, tensor(lengths, device: Device));
            var classes = model.ClassLogits(logits.select(1, logits.shape[1] - 1), Labels).softmax(1).cpu();
            var flat = classes.data<float>().ToArray();
            for (int r = 0; r < ready.Length; r++)
                probabilities[ready[r]] = flat.AsSpan(r * Labels.Count, Labels.Count).ToArray();
        }

        return Enumerable.Range(0, hops.Count).Select(i => new EmotionScores(
            probabilities[i] ?? Enumerable.Repeat(1f / Labels.Count, Labels.Count).ToArray(),
            windows[i].shape[0],
            (double)hops[i].Session.SamplesAccepted / SampleRate)).ToArray();
    }

    // Windowed-LM students: the LM continues each stream from its own key/value cache of the last W projector embeddings
    // (per layer, on the device); only the new tokens and the answer run, all ready streams in one pass.
    private EmotionScores[] AdvanceWindowedLanguageModel(IReadOnlyList<HopInput> hops, StudentSession[] sessions, Tensor projected, int[] counts)
    {
        var probabilities = new float[hops.Count][];
        for (int i = 0; i < hops.Count; i++)
            sessions[i].SamplesAccepted += hops[i].Samples.Length;
        var ready = Enumerable.Range(0, hops.Count).Where(i => sessions[i].Answer!.AudioTokens + counts[i] > 0).ToArray();
        if (ready.Length > 0)
        {
            var logits = model.AnswerStep(ready.Select(i => projected[i].narrow(0, 0, counts[i])).ToArray(),
                                          ready.Select(i => sessions[i].Answer!).ToArray());
            var flat = model.ClassLogits(logits, Labels).softmax(1).cpu().data<float>().ToArray();
            for (int r = 0; r < ready.Length; r++)
                probabilities[ready[r]] = flat.AsSpan(r * Labels.Count, Labels.Count).ToArray();
        }
        int window = model.Config.LanguageModel.AudioWindow!.Value;
        return Enumerable.Range(0, hops.Count).Select(i => new EmotionScores(
            probabilities[i] ?? Enumerable.Repeat(1f / Labels.Count, Labels.Count).ToArray(),
            Math.Min(window, sessions[i].Answer!.AudioTokens),
            (double)sessions[i].SamplesAccepted / SampleRate)).ToArray();
    }

    private StudentSession Session(RecognizerSession session) =>
        session is StudentSession { IsDisposed: false } own && ReferenceEquals(Cache, own.CacheOwner) ? own
        : throw new ArgumentException("the session was not opened by this recognizer, or is closed", nameof(session));

    /// <inheritdoc />
    public void Dispose()
    {
        Cache.Dispose();
        spectrogram.Dispose();
    }
}
