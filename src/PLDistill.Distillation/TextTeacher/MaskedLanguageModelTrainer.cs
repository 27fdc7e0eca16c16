using System.Diagnostics;
using PLDistill.Distillation.Training;
using PLDistill.Models.Text;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace PLDistill.Distillation.TextTeacher;

/// <summary>
/// Trains a <see cref="TextEncoder"/> as a masked language model (BERT's objective) on English sentences:
/// <code>
///   L = −(1/N) Σₙ log softmax(Head(h[posₙ]))[wₙ]        over the N chosen words of a batch (see <see cref="MaskedSentence"/>)
/// </code>
/// with <see cref="AdamW"/>, linear warm-up and cosine decay of the learning rate. A seeded fraction of the sentences is
/// held out before the vocabulary is built; after every epoch the model fills their masked words (fixed masks, all [MASK]),
/// and the run reports accuracy and perplexity next to the context-free baselines (<see cref="MaskedLanguageModelBaseline"/>).
/// </summary>
/// <remarks>Seeded: the split, the initial weights, the batch order and the masks follow from <see cref="MaskedLanguageModelOptions.Seed"/>.
/// Batches group sentences of similar length so little is padding.</remarks>
public sealed class MaskedLanguageModelTrainer
{
    private const int LengthWindowBatches = 50;   // sort by length within windows of this many batches, then shuffle batches
    private const int EvaluationBatchSize = 128;
    private const double FinalLearningRateFraction = 0.1;

    private readonly MaskedLanguageModelOptions options;
    private readonly Device device;
    private readonly Action<string> log;

    /// <summary>A trainer with <paramref name="options"/> on <paramref name="device"/>, reporting to <paramref name="log"/>.</summary>
    public MaskedLanguageModelTrainer(MaskedLanguageModelOptions options, Device device, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(device);
        this.options = options.Validate();
        this.device = device;
        this.log = log ?? (_ => { });
    }

    /// <summary>Holds out sentences, builds the vocabulary, trains, and evaluates after every epoch.</summary>
    /// <exception cref="ArgumentException">Too few sentences to hold some out and train on the rest.</exception>
    public MaskedLanguageModelResult Train(IReadOnlyList<string> sentences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        var clock = Stopwatch.StartNew();
        var random = new Random(options.Seed);
        var order = Enumerable.Range(0, sentences.Count).ToArray();
        random.Shuffle(order);
        int heldOutCount = (int)Math.Round(sentences.Count * options.HeldOutFraction);
        if (heldOutCount < 1 || sentences.Count - heldOutCount < options.BatchSize)
            throw new ArgumentException($"{sentences.Count} sentences are too few: hold out {options.HeldOutFraction:P0} and train on at least a batch of {options.BatchSize}");
        var heldOut = order.Take(heldOutCount).Select(i => sentences[i]).ToArray();
        var training = order.Skip(heldOutCount).Select(i => sentences[i]).ToArray();

        var tokenizer = WordTokenizer.Build(training, options.MinFrequency);
        var config = options.Encoder with { VocabularySize = tokenizer.Count };
        int maxLength = config.MaxPositions;
        int[][] trainingIds = [.. training.Select(s => tokenizer.Encode(s, maxLength))];
        int[][] heldOutIds = [.. heldOut.Select(s => tokenizer.Encode(s, maxLength))];
        var evaluationRandom = new Random(options.Seed + 1);
        var evaluation = heldOutIds.OrderBy(ids => ids.Length)
            .Select(ids => MaskedSentence.Make(ids, tokenizer.Count, options.MaskProbability, evaluationRandom, allMasked: true))
            .Where(s => s.TargetCount > 0).ToArray();
        var baseline = Baseline(tokenizer, trainingIds, evaluation);
        log($"{training.Length:N0} training and {heldOut.Length:N0} held-out sentences, {tokenizer.Count:N0} tokens " +
            $"(words seen ≥ {options.MinFrequency}×), {evaluation.Sum(s => s.TargetCount):N0} held-out masked words; " +
            $"baselines: majority '{baseline.MajorityToken}' {baseline.MajorityAccuracy:P1}, unigram perplexity {baseline.UnigramPerplexity:F0}");

        manual_seed(options.Seed);
        var encoder = new TextEncoder(config);
        encoder.to(device);
        try
        {
            log($"text encoder: {config.Layers} layers × {config.Heads} heads, width {config.Width}, " +
                $"{encoder.parameters().Sum(p => p.numel()):N0} parameters");
            using var optimizer = new AdamW(encoder.parameters(), options.LearningRate, options.WeightDecay);
            int stepsPerEpoch = (trainingIds.Length + options.BatchSize - 1) / options.BatchSize;
            long totalSteps = (long)stepsPerEpoch * options.Epochs, step = 0;
            var schedule = new LearningRateSchedule(options.LearningRate, (long)(totalSteps * options.WarmupFraction), totalSteps,
                FinalLearningRateFraction);
            var history = new List<MaskedLanguageModelEpoch>();
            for (int epoch = 1; epoch <= options.Epochs; epoch++)
            {
                var epochClock = Stopwatch.StartNew();
                encoder.train();
                double lossSum = 0;
                long targetSum = 0;
                foreach (var batchIndices in Batches(trainingIds, random))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var masked = batchIndices.Select(i => MaskedSentence.Make(trainingIds[i], tokenizer.Count, options.MaskProbability, random)).ToArray();
                    using var batch = MaskedLanguageModelBatch.Make(masked, device);
                    optimizer.LearningRate = schedule.At(step++);
                    if (batch.TargetCount == 0)
                        continue;
                    using var scope = NewDisposeScope();
                    var (loss, _) = Loss(encoder, batch);
                    optimizer.ZeroGrad();
                    loss.backward();
                    optimizer.Step();
                    lossSum += loss.item<float>() * batch.TargetCount;
                    targetSum += batch.TargetCount;
                }
                var (heldOutLoss, accuracy) = Evaluate(encoder, evaluation);
                var summary = new MaskedLanguageModelEpoch(epoch, lossSum / Math.Max(1, targetSum), heldOutLoss, accuracy, epochClock.Elapsed.TotalSeconds);
                history.Add(summary);
                log($"epoch {epoch}/{options.Epochs}: training loss {summary.TrainingLoss:F3}, held-out loss {summary.HeldOutLoss:F3} " +
                    $"(perplexity {summary.HeldOutPerplexity:F1}), held-out accuracy {summary.HeldOutAccuracy:P1}  ({summary.Seconds:F0} s)");
            }
            encoder.eval();
            return new MaskedLanguageModelResult(encoder, tokenizer, training.Length, heldOut.Length,
                evaluation.Sum(s => s.TargetCount), history, baseline, clock.Elapsed);
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>Mean cross-entropy and top-1 accuracy of the masked words of <paramref name="sentences"/>, in eval mode.</summary>
    public (double Loss, double Accuracy) Evaluate(TextEncoder encoder, IReadOnlyList<MaskedSentence> sentences)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(sentences);
        encoder.eval();
        using var noGrad = no_grad();
        double lossSum = 0;
        long correct = 0, targets = 0;
        foreach (var slice in sentences.Chunk(EvaluationBatchSize))
        {
            using var batch = MaskedLanguageModelBatch.Make(slice, device);
            if (batch.TargetCount == 0)
                continue;
            using var scope = NewDisposeScope();
            var (loss, right) = Loss(encoder, batch);
            lossSum += loss.item<float>() * batch.TargetCount;
            correct += right;
            targets += batch.TargetCount;
        }
        return targets == 0 ? (double.NaN, double.NaN) : (lossSum / targets, (double)correct / targets);
    }

    // Only the N target positions go through the head: with V in the thousands it would otherwise cost more than the encoder.
    private static (Tensor Loss, long Correct) Loss(TextEncoder encoder, MaskedLanguageModelBatch batch)
    {
        using var output = encoder.Forward(batch.Ids, batch.Lengths);
        var selected = output.Hidden.reshape(-1, encoder.Config.Width).index_select(0, batch.TargetPositions);   // (N, D)
        var logits = encoder.Logits(selected);                                                                   // (N, V)
        var loss = functional.cross_entropy(logits, batch.Targets);
        using var predicted = logits.argmax(-1);
        using var hits = predicted.eq(batch.Targets);
        using var count = hits.sum();
        return (loss, count.item<long>());
    }

    private int[][] Batches(int[][] ids, Random random)
    {
        var order = Enumerable.Range(0, ids.Length).ToArray();
        random.Shuffle(order);
        // Sentences of like length share a batch (less padding), sorted within windows of a few batches so order stays random.
        var shuffled = order.Chunk(options.BatchSize * LengthWindowBatches)
            .SelectMany(window => window.OrderBy(i => ids[i].Length).Chunk(options.BatchSize))
            .ToArray();
        random.Shuffle(shuffled);
        return shuffled;
    }

    private static MaskedLanguageModelBaseline Baseline(WordTokenizer tokenizer, int[][] trainingIds, IReadOnlyList<MaskedSentence> evaluation)
    {
        var counts = new long[tokenizer.Count];
        foreach (var ids in trainingIds)
            foreach (int id in ids)
                if (id >= WordTokenizer.FirstWordId)
                    counts[id]++;
        int majority = WordTokenizer.FirstWordId;
        for (int id = majority; id < counts.Length; id++)
            if (counts[id] > counts[majority])
                majority = id;
        double total = counts.Sum() + (tokenizer.Count - WordTokenizer.FirstWordId);
        long hits = 0, targets = 0;
        double negativeLogLikelihood = 0;
        foreach (var sentence in evaluation)
            foreach (int target in sentence.Targets.Where(t => t >= 0))
            {
                targets++;
                hits += target == majority ? 1 : 0;
                negativeLogLikelihood -= Math.Log((counts[target] + 1) / total);
            }
        return new MaskedLanguageModelBaseline(tokenizer.Tokens[majority],
            targets == 0 ? double.NaN : (double)hits / targets,
            targets == 0 ? double.NaN : Math.Exp(negativeLogLikelihood / targets));
    }
}
