using PLDistill.Distillation.TextTeacher;
using PLDistill.Models.Text;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.TextTeacher;

public sealed class MaskedLanguageModelTrainerTests
{
    private static readonly MaskedLanguageModelOptions Options = new()
    {
        Encoder = new TextEncoderConfig { VocabularySize = 6, Width = 32, Layers = 1, Heads = 2, MaxPositions = 8, Dropout = 0 },
        Epochs = 8,
        BatchSize = 16,
        LearningRate = 5e-3,
        HeldOutFraction = 0.2,
        MinFrequency = 1,
        Seed = 4,
    };

    /// <summary>
    /// Sentences of one of 8 topics: its four words in order, then a random filler. A masked topic word follows from the
    /// others (and its position); a context-free guess gets about one in 45.
    /// </summary>
    private static string[] PatternCorpus(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            int topic = random.Next(8);
            return $"a{topic} b{topic} c{topic} d{topic} filler{random.Next(10)}";
        })];
    }

    [Fact]
    public void Learns_a_pattern_reducing_the_loss_and_filling_held_out_gaps_far_above_the_baseline()
    {
        var log = new List<string>();
        int threads = get_num_threads();
        set_num_threads(1);   // a model this small runs fastest on one thread, and a busy machine slows many a hundredfold
        MaskedLanguageModelResult result;
        try
        {
            result = new MaskedLanguageModelTrainer(Options, CPU, log.Add).Train(PatternCorpus(320, seed: 1), TestContext.Current.CancellationToken);
        }
        finally
        {
            set_num_threads(threads);
        }
        using var encoder = result.Encoder;
        TestContext.Current.SendDiagnosticMessage(string.Join("\n", log));

        Assert.Equal(Options.Epochs, result.History.Count);
        Assert.Equal((256, 64), (result.TrainingSentences, result.HeldOutSentences));
        Assert.True(result.Final.TrainingLoss < 0.6 * result.History[0].TrainingLoss,
            $"training loss went from {result.History[0].TrainingLoss:F3} to only {result.Final.TrainingLoss:F3}");
        Assert.True(result.Final.HeldOutLoss < result.History[0].HeldOutLoss, "held-out loss did not fall");
        Assert.True(result.Baseline.MajorityAccuracy < 0.2, $"the baseline is too easy: {result.Baseline.MajorityAccuracy:P0}");
        Assert.True(result.Final.HeldOutAccuracy > 0.6, string.Join("\n", log));
        Assert.True(result.Final.HeldOutAccuracy > 3 * result.Baseline.MajorityAccuracy);
        Assert.True(result.Final.HeldOutPerplexity < result.Baseline.UnigramPerplexity);
        Assert.Equal(Options.Epochs + 2, log.Count);   // the data line, the model line, one per epoch
        Assert.False(encoder.training);
    }

    [Fact]
    public void Refuses_too_few_sentences()
    {
        var trainer = new MaskedLanguageModelTrainer(Options, CPU);
        Assert.Throws<ArgumentException>(() => trainer.Train(PatternCorpus(10, seed: 2), TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Refuses_invalid_options()
    {
        Assert.Throws<ArgumentException>(() => new MaskedLanguageModelTrainer(Options with { Epochs = 0 }, CPU));
        Assert.Throws<ArgumentException>(() => new MaskedLanguageModelTrainer(Options with { MaskProbability = 0 }, CPU));
    }
}
