using PLDistill.Audio.Data;
using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using static TorchSharp.torch;

namespace PLDistill.Models.Tests.Lalm;

/// <summary>bfloat16 inference: every tensor the model makes follows its weights' type, and the answers barely move.</summary>
public sealed class InferencePrecisionTests
{
    private static AudioLanguageModel Build(LalmConfig config, int seed)
    {
        manual_seed(seed);
        var model = new AudioLanguageModel(config);
        model.Encoder.SetNormalization(ones(80).Times(-6), ones(80).Times(3));
        model.eval();
        return model;
    }

    /// <summary>Class logits (B, C) of a padded batch of two clips: the whole-clip answer path.</summary>
    private static float[] ClassLogits(AudioLanguageModel model, Tensor mel, Tensor lengths)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var logits = model.ClassLogits(model.AnswerLogits(mel, lengths), EmotionLabelSet.Eight);
        Assert.Equal(ScalarType.Float32, logits.dtype);   // callers read float32 whatever the model runs in
        return logits.data<float>().ToArray();
    }

    [Theory]
    [InlineData(false)]   // the student: streaming encoder, windowed LM with relative position bias
    [InlineData(true)]    // the teacher's shape: full-context encoder and LM
    public void In_bfloat16_a_model_gives_its_float32_answer_to_within_bfloat16s_rounding(bool teacherShape)
    {
        using var model = Build(teacherShape ? LalmConfig.Teacher : LalmConfig.Student, seed: 5);
        manual_seed(6);
        using var mel = randn(2, 300, 80).Times(3).Plus(-6);   // log-mel-like levels around the normalisation
        using var lengths = tensor(new long[] { 300, 211 });   // the second clip is padded: masks must hold in bfloat16 too

        float[] full = ClassLogits(model, mel, lengths);
        model.UsePrecision(InferencePrecision.BFloat16);
        float[] reduced = ClassLogits(model, mel, lengths);

        double spread = full.Max() - full.Min();
        double worst = full.Zip(reduced).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(spread > 0.05, $"the random model's logits barely differ ({spread}); the comparison would say nothing");
        Assert.True(worst <= 0.01 * spread, $"max |bfloat16 - float32| class logit {worst} against a spread of {spread}");
    }

    [Fact]
    public void Every_weight_and_buffer_follows_the_precision_there_and_back()
    {
        using var model = Build(LalmConfig.Student, seed: 1);
        Assert.Equal(InferencePrecision.Float32, model.Precision);

        Assert.Same(model, model.UsePrecision(InferencePrecision.BFloat16));
        Assert.Equal(InferencePrecision.BFloat16, model.Precision);
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        Assert.All(model.buffers().Where(b => b.is_floating_point()), b => Assert.Equal(ScalarType.BFloat16, b.dtype));

        model.UsePrecision(InferencePrecision.Float32);
        Assert.Equal(InferencePrecision.Float32, model.Precision);
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
    }

    [Fact]
    public void A_model_in_training_mode_refuses_a_reduced_precision()
    {
        using var model = Build(LalmConfig.Student, seed: 1);
        model.train();
        var error = Assert.Throws<InvalidOperationException>(() => model.UsePrecision(InferencePrecision.BFloat16));
        Assert.Contains("eval()", error.Message, StringComparison.Ordinal);
        Assert.Equal(InferencePrecision.Float32, model.Precision);
        model.UsePrecision(InferencePrecision.Float32);   // float32 is what training runs in: always allowed
    }

    [Fact]
    public void An_ensemble_converts_every_member()
    {
        using var ensemble = new ModelEnsemble([Build(LalmConfig.Student, seed: 1), Build(LalmConfig.Student, seed: 2)]);
        ensemble.UsePrecision(InferencePrecision.BFloat16);
        Assert.All(ensemble.Members, m => Assert.Equal(InferencePrecision.BFloat16, m.Precision));
        using var mel = randn(1, 150, 80);
        using var lengths = tensor(new long[] { 150 });
        using var inference = inference_mode();
        using var answer = ensemble.AnswerLogits(mel, lengths);
        Assert.True(answer.isfinite().all().item<bool>(), "the bfloat16 ensemble's answer has non-finite values");
    }

    [Fact]
    public void Only_float32_and_bfloat16_are_inference_precisions()
    {
        Assert.Equal(ScalarType.BFloat16, InferencePrecision.BFloat16.ScalarType());
        Assert.Equal(InferencePrecision.Float32, ScalarType.Float32.ToInferencePrecision());
        var error = Assert.Throws<ArgumentException>(() => ScalarType.Float16.ToInferencePrecision());
        Assert.Contains("Float16", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => ((InferencePrecision)7).ScalarType());
    }
}
