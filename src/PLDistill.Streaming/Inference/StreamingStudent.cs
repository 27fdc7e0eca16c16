using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using TorchSharp;
using static TorchSharp.torch;
using static PLDistill.Models.Runtime.FinalizerFreeOperations;

namespace PLDistill.Streaming.Inference;

/// <summary>
/// The incremental student: one model serving many streams. Each hop, only the new audio passes through features,
/// encoder (each stream with its own key/value cache, all streams in one batched step) and projector. Then, for all ready
/// streams in one pass:
/// <list type="bullet">
/// <item>a windowed-LM student (the default) continues each stream's LM from its per-layer key/value cache of the last W
/// projector embeddings: only the new tokens and the answer run;</item>
/// <item>a full-context-LM student appends the projector outputs to the stream's slot of a device-resident
/// <see cref="ProjectorCache"/> and the LM re-reads the last window straight from there.</item>
/// </list>
/// </summary>
public sealed class StreamingStudent : IEmotionRecognizer
{
    private readonly AudioLanguageModel model;
    private readonly LogMelSpectrogram spectrogram;
    private readonly LogMelOptions features;
    private readonly KeyValueCache? answerPrompt;        // windowed LM: the prompt's keys and values, shared by all streams
    private readonly ProjectorCache? projectorCache;     // full-context LM: the last window of projector outputs per stream
    private int openStreams;

    /// <summary>The windows, in seconds, <paramref name="model"/> can serve (<see cref="LalmConfig.ServableWindowSeconds"/>).</summary>
    public static (double Shortest, double Longest) ServableWindowSeconds(AudioLanguageModel model, LogMelOptions features) =>
        model.Config.ServableWindowSeconds(features);

    /// <summary>A recognizer for up to <paramref name="maxStreams"/> concurrent streams on <paramref name="device"/>.</summary>
    /// <exception cref="ArgumentException">The encoder has full context, or <paramref name="streaming"/> asks a windowed LM for
    /// another window than the one it was trained with.</exception>
    public StreamingStudent(AudioLanguageModel model, LogMelOptions features, StreamingParameters streaming, EmotionLabelSet labels,
                            Device device, int maxStreams)
    {
        if (!model.Config.Encoder.IsStreamable)
            throw new ArgumentException("the model's encoder has full context; only streaming students can run incrementally", nameof(model));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxStreams, 1);
        double tokensPerSecond = features.FramesPerSecond / model.Config.Encoder.Subsampling;
        int requested = (int)Math.Round(streaming.WindowSeconds * tokensPerSecond);
        if (model.Config.LanguageModel.AudioWindow is int trained && trained != requested)
            throw new ArgumentException($"this model's LM reads a fixed window of {trained / tokensPerSecond:0.##} s (set when it was trained); " +
                                        $"{streaming.WindowSeconds:0.##} s cannot be served", nameof(streaming));
        this.model = model;
        this.features = features;
        Device = device;
        Labels = labels;
        Streaming = streaming;
        MaxStreams = maxStreams;
        WindowFrames = requested;
        spectrogram = new LogMelSpectrogram(features);
        spectrogram.to(device);
        model.to(device);
        model.eval();
        if (model.Config.LanguageModel.IsStreamable)
            answerPrompt = model.EncodeAnswerPrompt();
        else
            projectorCache = new ProjectorCache(maxStreams, WindowFrames, model.Config.LanguageModel.Width, device, model.Precision);
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
    public int MaxStreams { get; }

    /// <inheritdoc />
    public int OpenStreams => openStreams;

    /// <summary>Projector frames the LM reads per estimate.</summary>
    public int WindowFrames { get; }

    /// <inheritdoc />
    public RecognizerSession Open()
    {
        if (openStreams >= MaxStreams)
            throw new InvalidOperationException($"all {MaxStreams} stream slots are in use");
        var session = new StudentSession(this, new StreamingLogMelExtractor(spectrogram, Device), model.Encoder.CreateStreamState(),
            answerPrompt is null ? null : model.CreateAnswerStreamState(), projectorCache);
        openStreams++;   // counted once it exists: a session that failed to build holds no slot
        return session;
    }

    /// <summary>Called by a session when it is disposed.</summary>
    internal void Release() => openStreams--;

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
        // pass for the whole batch.
        var mels = new Tensor[hops.Count];
        for (int i = 0; i < hops.Count; i++)
        {
            mels[i] = sessions[i].Features.Accept(hops[i].Samples.Span).unsqueeze(0);   // (1, F, M) on the device
            sessions[i].SamplesAccepted += hops[i].Samples.Length;
        }
        var encoded = model.Encoder.Step(mels, sessions.Select(s => s.Encoder).ToArray());    // (B, t', D_enc), only new frames
        var projected = model.Projector.forward(encoded.Frames);                              // (B, t', D_lm)
        var fresh = Enumerable.Range(0, hops.Count).Select(i => projected[i].narrow(0, 0, encoded.Counts[i])).ToArray();   // padding stays out

        // -> LM answer, all streams with audio so far in one pass; a stream without any yet gets the uniform distribution.
        var (ready, logits, windowFrames) = answerPrompt is not null ? AnswerIncrementally(sessions, fresh) : AnswerFromProjectorCache(sessions, fresh);
        var probabilities = new float[hops.Count][];
        if (ready.Length > 0)
        {
            var flat = ToFloatArray(model.ClassLogits(logits!, Labels).softmax(1));
            for (int r = 0; r < ready.Length; r++)
                probabilities[ready[r]] = flat.AsSpan(r * Labels.Count, Labels.Count).ToArray();
        }
        return Enumerable.Range(0, hops.Count).Select(i => new EmotionScores(
            probabilities[i] ?? Enumerable.Repeat(1f / Labels.Count, Labels.Count).ToArray(),
            windowFrames[i],
            (double)sessions[i].SamplesAccepted / SampleRate)).ToArray();
    }

    // Windowed LM: each stream's new tokens join its per-layer key/value cache; only they and the answer run.
    private (int[] Ready, Tensor? AnswerLogits, long[] WindowFrames) AnswerIncrementally(StudentSession[] sessions, Tensor[] fresh)
    {
        var ready = Enumerable.Range(0, sessions.Length).Where(i => sessions[i].Answer!.AudioTokens + fresh[i].size(0) > 0).ToArray();
        var logits = ready.Length == 0 ? null
            : model.AnswerStep(ready.Select(i => fresh[i]).ToArray(), answerPrompt!, ready.Select(i => sessions[i].Answer!).ToArray());
        return (ready, logits, sessions.Select(s => Math.Min(WindowFrames, s.Answer!.AudioTokens)).ToArray());
    }

    // Full-context LM: new projector outputs go to the stream's ring; the LM re-reads every ready stream's last window.
    private (int[] Ready, Tensor? AnswerLogits, long[] WindowFrames) AnswerFromProjectorCache(StudentSession[] sessions, Tensor[] fresh)
    {
        var windows = new Tensor[sessions.Length];
        for (int i = 0; i < sessions.Length; i++)
        {
            projectorCache!.Append(sessions[i].Slot, fresh[i]);
            windows[i] = projectorCache.Window(sessions[i].Slot, WindowFrames);             // (n, D_lm) view, no copy
        }
        var ready = Enumerable.Range(0, sessions.Length).Where(i => windows[i].size(0) > 0).ToArray();
        Tensor? logits = null;
        if (ready.Length > 0)
        {
            var lengths = ready.Select(i => windows[i].size(0)).ToArray();
            long longest = lengths.Max();
            var batch = Stack(ready.Select(i => windows[i].size(0) == longest ? windows[i]
                : nn.functional.pad(windows[i], [0, 0, 0, longest - windows[i].size(0)])).ToArray());   // (B, n, D)
            var (all, _) = model.Answer(batch, tensor(lengths, device: Device));
            logits = all.select(1, all.size(1) - 1);
        }
        return (ready, logits, windows.Select(w => w.size(0)).ToArray());
    }

    private StudentSession Session(RecognizerSession session) =>
        session is StudentSession { IsDisposed: false } own && ReferenceEquals(own.Owner, this) ? own
        : throw new ArgumentException("the session was not opened by this recognizer, or is closed", nameof(session));

    /// <inheritdoc />
    public void Dispose()
    {
        answerPrompt?.Dispose();
        projectorCache?.Dispose();
        spectrogram.Dispose();
    }
}
