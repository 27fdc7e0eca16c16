using PLDistill.Audio.Data;
using PLDistill.Distillation.Data.TextTeacher;
using PLDistill.Distillation.Losses.Pad;
using PLDistill.Distillation.Pad;
using PLDistill.Models.Checkpoints;
using PLDistill.Models.Features;
using PLDistill.Models.Lalm;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Pad;

public sealed class PadTrainerTests : IDisposable
{
    private readonly PairedFolder folder = new();

    public void Dispose() => folder.Dispose();

    private PadCorpus Load() =>
        PadCorpus.Build(PairedCorpus.Load(folder.Corpus), TextTeacherOutputs.Open(folder.Text), new LogMelOptions());

    private static AudioLanguageModel Student(PadCorpus corpus)
    {
        manual_seed(3);
        var model = new AudioLanguageModel(LalmConfig.Student);
        var (mean, std) = corpus.TrainStatistics();
        model.Encoder.SetNormalization(tensor(mean), tensor(std));
        return model;
    }

    private static PadTrainingOptions Options(PadVariant variant, bool priors, int epochs) => new()
    {
        Loss = new PadOptions { Variant = variant, UsePriors = priors, PriorLayers = [0, -1], Anchors = 2, SpanWidths = [1, 2] },
        Epochs = epochs,
        BatchSize = 2,
        LearningRate = 3e-3,
        Seed = 5,
    };

    [Fact]
    public void Corpus_pairs_every_split_with_log_mel_features()
    {
        var corpus = Load();
        Assert.Equal(["u0", "u1", "u2", "u3"], corpus.In(PairedSplit.Train).Select(c => c.Id));
        Assert.Equal(["u4"], corpus.In(PairedSplit.Valid).Select(c => c.Id));
        Assert.Equal(["u5", "u6"], corpus.In(PairedSplit.Test).Select(c => c.Id));
        var first = corpus.In(PairedSplit.Train)[0];
        Assert.InRange(first.Frames, 48, 51);                   // 0.5 s at a 10 ms hop
        Assert.Equal(first.Frames * 80, first.Mel.Length);
    }

    [Fact]
    public void An_id_missing_from_the_text_outputs_is_an_error_naming_it()
    {
        using var partial = new PairedFolder(textIdsLeftOut: ["u4"]);
        var error = Assert.Throws<ArgumentException>(() =>
            PadCorpus.Build(PairedCorpus.Load(partial.Corpus), TextTeacherOutputs.Open(partial.Text), new LogMelOptions()));
        Assert.Contains("'u4'", error.Message);
        Assert.Contains("no text-teacher outputs", error.Message);
    }

    [Theory]
    [InlineData(PadVariant.Global, true)]
    [InlineData(PadVariant.Global, false)]
    [InlineData(PadVariant.TokenLocal, true)]
    [InlineData(PadVariant.SpanLocal, true)]
    [InlineData(PadVariant.SpanLocal, false)]
    public void A_few_steps_lower_the_pad_loss(PadVariant variant, bool priors)
    {
        var corpus = Load();
        using var model = Student(corpus);
        var trainer = new PadTrainer(Options(variant, priors, epochs: 6));
        using var loss = trainer.CreateLoss(model, corpus.Text);
        double before = trainer.MeanLoss(model, loss, corpus.In(PairedSplit.Train), corpus.Text);

        var result = trainer.Train(model, loss, corpus, TestContext.Current.CancellationToken);

        double after = trainer.MeanLoss(model, loss, corpus.In(PairedSplit.Train), corpus.Text);
        Assert.Equal(6, result.Epochs.Count);
        Assert.All(result.Epochs, e => Assert.True(double.IsFinite(e.TrainLoss) && double.IsFinite(e.ValidLoss)));
        Assert.True(after < before, $"PAD loss on the train split went from {before:F4} to {after:F4}");
        Assert.Equal(2, result.Before.Count);
        Assert.Equal(2, result.After.Count);
    }

    [Fact]
    public void The_checkpoint_loads_with_the_language_model_unchanged_and_the_encoder_trained()
    {
        var corpus = Load();
        using var model = Student(corpus);
        var lmBefore = Snapshot(model.LanguageModel);
        var encoderBefore = Snapshot(model.Encoder);
        var options = Options(PadVariant.Global, true, epochs: 2);
        var trainer = new PadTrainer(options);
        using var loss = trainer.CreateLoss(model, corpus.Text);
        var result = trainer.Train(model, loss, corpus, TestContext.Current.CancellationToken);
        string path = Path.Combine(folder.Root, "student.pldckpt");

        PadCheckpoint.Save(path, model, null, corpus.Features, options, result);

        var (loaded, metadata) = CheckpointFile.Load(path);
        using (loaded)
        {
            Assert.Equal("student", metadata.Role);
            Assert.Equal("Global", metadata.Training["pad_variant"]);
            foreach (var (name, value) in Snapshot(loaded.LanguageModel))
                Assert.Equal(lmBefore[name], value);
            var encoderAfter = Snapshot(loaded.Encoder);
            Assert.Contains(encoderAfter, p => !p.Value.SequenceEqual(encoderBefore[p.Key]));
            foreach (var (name, value) in Snapshot(model.Encoder))
                Assert.Equal(value, encoderAfter[name]);
        }
        // the same file initialises a fresh student of the configuration `pld distill` builds
        using var fresh = new AudioLanguageModel(LalmConfig.Student);
        CheckpointFile.LoadInto(path, fresh);
        Assert.Equal(Snapshot(model.Projector)["weight"], Snapshot(fresh.Projector)["weight"]);
    }

    [Fact]
    public void Priors_need_attention_in_the_text_outputs()
    {
        var corpus = Load();
        using var model = Student(corpus);
        string manifest = Path.Combine(folder.Text, "manifest.jsonl");
        var lines = File.ReadAllLines(manifest);
        lines[0] = $$"""{"format": "pldistill-text-outputs", "version": 1, "width": {{PairedFolder.Width}}}""";
        File.WriteAllLines(manifest, lines.Select(l => System.Text.RegularExpressions.Regex.Replace(l, ",\"attention\":\"[^\"]*\"", "")));
        var text = TextTeacherOutputs.Open(folder.Text);
        var error = Assert.Throws<ArgumentException>(() => new PadTrainer(Options(PadVariant.Global, true, 1)).CreateLoss(model, text));
        Assert.Contains("no attention maps", error.Message);
    }

    private static Dictionary<string, float[]> Snapshot(TorchSharp.torch.nn.Module module) =>
        module.state_dict().ToDictionary(p => p.Key, p => p.Value.to(float32).contiguous().data<float>().ToArray());
}
