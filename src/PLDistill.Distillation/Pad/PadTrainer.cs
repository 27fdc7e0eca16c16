using System.Diagnostics;
using PLDistill.Audio.Data;
using PLDistill.Distillation.Data.TextTeacher;
using PLDistill.Distillation.Losses.Pad;
using PLDistill.Distillation.Training;
using PLDistill.Models.Lalm;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Pad;

/// <summary>
/// PAD alignment of a speech student to a frozen text teacher on a paired corpus: the student's encoder and projector and
/// the PAD projection P are trained with AdamW on <see cref="PadLoss"/> between the projector's outputs (B, T, D_lm) and the
/// text teacher's features (B, Tt, D_t); the student's language model is not touched. Speech priors come from the encoder's
/// self-attention, text priors from the exported attention maps.
/// </summary>
public sealed class PadTrainer
{
    private readonly PadTrainingOptions options;
    private readonly Device device;
    private readonly Action<string> log;

    /// <summary>A trainer with validated <paramref name="options"/>, running on <paramref name="device"/> (default CPU).</summary>
    public PadTrainer(PadTrainingOptions options, Device? device = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options.Validate();
        this.device = device ?? CPU;
        this.log = log ?? (_ => { });
    }

    /// <summary>A fresh PAD term for <paramref name="model"/> and <paramref name="text"/>, its projection seeded by the options' seed, on the trainer's device.</summary>
    /// <exception cref="ArgumentException">Priors are on but the text outputs carry no attention maps.</exception>
    public PadLoss CreateLoss(AudioLanguageModel model, TextTeacherOutputs text)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(text);
        if (options.Loss.UsePriors && !text.HasAttention)
            throw new ArgumentException($"{text.Manifest} has no attention maps, so PAD's text priors cannot be computed; run without priors or export attention");
        manual_seed(options.Seed);
        var loss = new PadLoss(options.Loss, model.Config.LanguageModel.Width, text.Width);
        loss.to(device);
        return loss;
    }

    /// <summary>
    /// Measures the valid loss and test retrieval, trains for the options' epochs (reporting each), and measures retrieval
    /// again. <paramref name="model"/> and <paramref name="loss"/> must be on the trainer's device; they are left in eval mode.
    /// </summary>
    public PadTrainingResult Train(AudioLanguageModel model, PadLoss loss, PadCorpus corpus, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(corpus);
        var clock = Stopwatch.StartNew();
        var train = corpus.In(PairedSplit.Train);
        var valid = corpus.In(PairedSplit.Valid);
        var test = corpus.In(PairedSplit.Test);
        if (train.Count == 0)
            throw new ArgumentException("the paired corpus has no train-split utterances to align on");

        double initialValid = valid.Count == 0 ? double.NaN : MeanLoss(model, loss, valid, corpus.Text);
        var before = Retrieve(model, loss, test.Count > 0 ? test : valid, corpus.Text);
        log($"before: valid loss {initialValid:F4}; test retrieval {before}");

        var parameters = model.Encoder.parameters().Concat(model.Projector.parameters()).Concat(loss.parameters()).ToArray();
        using var optimizer = new AdamW(parameters, options.LearningRate, options.WeightDecay);
        var epochs = new List<PadEpoch>();
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            manual_seed(options.Seed * 1000L + epoch);
            var random = new Random(options.Seed * 1000 + epoch);
            int[] order = [.. Enumerable.Range(0, train.Count)];
            random.Shuffle(order);
            model.train();
            loss.train();
            double sum = 0;
            int steps = 0;
            foreach (int[] indices in order.Chunk(options.BatchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var clips = indices.Select(i => train[i]).ToArray();
                var value = Compute(model, loss, clips, corpus.Text);
                optimizer.ZeroGrad();
                value.backward();
                nn.utils.clip_grad_norm_(parameters, options.GradClip);
                optimizer.Step();
                sum += value.item<float>();
                steps++;
            }
            double validLoss = valid.Count == 0 ? double.NaN : MeanLoss(model, loss, valid, corpus.Text);
            var record = new PadEpoch(epoch, sum / steps, validLoss, epochClock.Elapsed);
            epochs.Add(record);
            log($"epoch {epoch}/{options.Epochs}: train loss {record.TrainLoss:F4}, valid loss {record.ValidLoss:F4} ({record.Elapsed.TotalSeconds:F0} s)");
        }
        var after = Retrieve(model, loss, test.Count > 0 ? test : valid, corpus.Text);
        log($"after: test retrieval {after}");
        return new PadTrainingResult(initialValid, epochs, before, after, clock.Elapsed);
    }

    /// <summary>The mean PAD loss over <paramref name="clips"/> in batches, without gradients, in eval mode.</summary>
    public double MeanLoss(AudioLanguageModel model, PadLoss loss, IReadOnlyList<PadClip> clips, TextTeacherOutputs text)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.Count == 0)
            throw new ArgumentException("no clips to measure the PAD loss on", nameof(clips));
        model.eval();
        loss.eval();
        using var noGrad = no_grad();
        double sum = 0;
        foreach (var batch in clips.Chunk(options.BatchSize))
        {
            using var scope = NewDisposeScope();
            sum += Compute(model, loss, batch, text).item<float>() * batch.Length;
        }
        return sum / clips.Count;
    }

    /// <summary>
    /// Speech → text retrieval over <paramref name="clips"/>: prior-pooled projected speech against prior-pooled text features
    /// (<see cref="PadLoss.PoolSpeech"/>, <see cref="PadLoss.PoolText"/>), ranked by cosine.
    /// </summary>
    public RetrievalMetrics Retrieve(AudioLanguageModel model, PadLoss loss, IReadOnlyList<PadClip> clips, TextTeacherOutputs text)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentNullException.ThrowIfNull(text);
        if (clips.Count == 0)
            throw new ArgumentException("no clips to retrieve with", nameof(clips));
        model.eval();
        loss.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var speechRows = new List<Tensor>();
        var textRows = new List<Tensor>();
        foreach (var batch in clips.Chunk(options.BatchSize))
        {
            var (speech, textSide) = Sides(model, batch, text);
            speechRows.Add(loss.PoolSpeech(speech).cpu());
            textRows.Add(loss.PoolText(textSide).cpu());
        }
        return SpeechTextRetrieval.Evaluate(cat(speechRows, 0), cat(textRows, 0));
    }

    /// <summary>The PAD loss of one batch (scalar, with gradient when enabled); tensors belong to the caller's dispose scope.</summary>
    private Tensor Compute(AudioLanguageModel model, PadLoss loss, IReadOnlyList<PadClip> clips, TextTeacherOutputs text)
    {
        var (speech, textSide) = Sides(model, clips, text);
        return loss.Compute(speech, textSide);
    }

    /// <summary>Both sides of a batch: projector outputs with the encoder's attention, and the text teacher's batch for the same ids.</summary>
    private (PadSequence Speech, PadSequence Text) Sides(AudioLanguageModel model, IReadOnlyList<PadClip> clips, TextTeacherOutputs text)
    {
        var (mel, melLengths) = PadBatch.Mel(clips, model.Config.Encoder.MelBins);
        var (frames, lengths, attention) = options.Loss.UsePriors
            ? model.Encoder.ForwardWithAttention(mel.to(device), melLengths.to(device))
            : WithoutAttention(model.Encoder.Forward(mel.to(device), melLengths.to(device)));
        var projected = model.Projector.forward(frames);                                              // (B, T, D_lm)
        var textBatch = text.Make(clips.Select(c => c.Id).ToArray(), options.Loss.UsePriors ? null : []).To(device);
        return (new PadSequence(projected, lengths, attention), textBatch.ToPadSequence());
    }

    private static (Tensor, Tensor, IReadOnlyList<Tensor>) WithoutAttention((Tensor Frames, Tensor Lengths) encoded) =>
        (encoded.Frames, encoded.Lengths, []);
}
