using PLDistill.Audio.Data;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using TorchSharp;
using static TorchSharp.torch;
using static PLDistill.Models.Runtime.FinalizerFreeOperations;

namespace PLDistill.Streaming.Inference;

/// <summary>
/// The naive baseline: every hop recomputes features, encoder, projector and LM over the stream's whole last window,
/// as a non-streaming deployment of the same model would. It keeps only the last window of audio per stream (on the
/// host), so its estimates equal the offline model run on the last W seconds; they differ slightly from the incremental
/// student's at the window's start, where the encoder here sees no left context.
/// </summary>
public sealed class WindowRecomputingStudent : IEmotionRecognizer
{
    private readonly AudioLanguageModel model;
    private readonly LogMelSpectrogram spectrogram;
    private readonly LogMelOptions features;
    private readonly int windowSamples;
    private int openStreams;

    /// <summary>A baseline recognizer for up to <paramref name="maxStreams"/> concurrent streams on <paramref name="device"/>.</summary>
    public WindowRecomputingStudent(AudioLanguageModel model, LogMelOptions features, StreamingParameters streaming, EmotionLabelSet labels,
                                    Device device, int maxStreams)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxStreams, 1);
        this.model = model;
        this.features = features;
        Device = device;
        Labels = labels;
        Streaming = streaming;
        MaxStreams = maxStreams;
        windowSamples = (int)Math.Round(streaming.WindowSeconds * features.SampleRate);
        spectrogram = new LogMelSpectrogram(features);
        spectrogram.to(device);
        model.to(device);
        model.eval();
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

    /// <inheritdoc />
    public RecognizerSession Open()
    {
        if (openStreams >= MaxStreams)
            throw new InvalidOperationException($"all {MaxStreams} stream slots are in use");
        var session = new WindowSession(this, windowSamples);
        openStreams++;
        return session;
    }

    /// <inheritdoc />
    public IReadOnlyList<EmotionScores> Advance(IReadOnlyList<HopInput> hops)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var mels = new Tensor[hops.Count];
        for (int i = 0; i < hops.Count; i++)
        {
            var session = Session(hops[i].Session);
            session.Append(hops[i].Samples.Span);
            mels[i] = spectrogram.forward(tensor(session.Window.ToArray(), device: Device));     // (F, M), the whole window again
        }

        var ready = Enumerable.Range(0, hops.Count).Where(i => mels[i].size(0) >= model.Config.Encoder.Subsampling).ToArray();
        var probabilities = new float[hops.Count][];
        var audioFrames = new long[hops.Count];
        if (ready.Length > 0)
        {
            var lengths = ready.Select(i => mels[i].size(0)).ToArray();
            long longest = lengths.Max();
            var batch = Stack(ready.Select(i => nn.functional.pad(mels[i], [0, 0, 0, longest - mels[i].size(0)])).ToArray());
            using var answer = model.AnswerLogits(batch, tensor(lengths, device: Device));
            var flat = ToFloatArray(model.ClassLogits(answer, Labels).softmax(1));
            var frames = lengths.Select(l => l / model.Config.Encoder.Subsampling).ToArray();   // the encoder's whole groups
            for (int r = 0; r < ready.Length; r++)
            {
                probabilities[ready[r]] = flat.AsSpan(r * Labels.Count, Labels.Count).ToArray();
                audioFrames[ready[r]] = frames[r];
            }
        }
        return Enumerable.Range(0, hops.Count).Select(i => new EmotionScores(
            probabilities[i] ?? Enumerable.Repeat(1f / Labels.Count, Labels.Count).ToArray(),
            audioFrames[i],
            (double)hops[i].Session.SamplesAccepted / SampleRate)).ToArray();
    }

    private WindowSession Session(RecognizerSession session) =>
        session is WindowSession { IsDisposed: false } own && ReferenceEquals(own.Owner, this) ? own
        : throw new ArgumentException("the session was not opened by this recognizer, or is closed", nameof(session));

    /// <inheritdoc />
    public void Dispose() => spectrogram.Dispose();

    /// <summary>A stream's last window of audio, on the host.</summary>
    private sealed class WindowSession(WindowRecomputingStudent owner, int capacity) : RecognizerSession
    {
        private readonly float[] samples = new float[capacity];
        private int count;

        public WindowRecomputingStudent Owner => owner;

        public ReadOnlySpan<float> Window => samples.AsSpan(0, count);

        public override long DeviceBytes => 0;

        public override long HostBytes => samples.Length * sizeof(float);

        public void Append(ReadOnlySpan<float> next)
        {
            SamplesAccepted += next.Length;
            if (next.Length >= capacity)
            {
                next[^capacity..].CopyTo(samples);
                count = capacity;
                return;
            }
            int keep = Math.Min(count, capacity - next.Length);
            samples.AsSpan(count - keep, keep).CopyTo(samples);
            next.CopyTo(samples.AsSpan(keep));
            count = keep + next.Length;
        }

        protected override void Release() => owner.openStreams--;
    }
}
