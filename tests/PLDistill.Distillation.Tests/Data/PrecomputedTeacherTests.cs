using PLDistill.Audio.Data;
using PLDistill.Distillation.Data;
using PLDistill.Distillation.Losses;
using PLDistill.Models.Lalm;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Data;

/// <summary>Stored teacher outputs: a window reads exactly the whole clip's outputs at the steps it covers.</summary>
public sealed class PrecomputedTeacherTests
{
    private const int MelBins = 80;

    private static ModelEnsemble Teacher()
    {
        manual_seed(21);
        var teacher = new AudioLanguageModel(new LalmConfig
        {
            Encoder = new EncoderConfig { Width = 32, Heads = 4, Layers = 2, LeftContextFrames = null, Dropout = 0 },
            LanguageModel = new LanguageModelConfig { Width = 48, Heads = 4, Layers = 2, AudioWindow = 100, Dropout = 0 },
        });
        return new ModelEnsemble([teacher]).Eval();
    }

    private static FeatureClip Clip(int frames, int seed)
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, frames * MelBins).Select(_ => (float)random.NextDouble() * 4 - 2).ToArray();
        var source = new RavdessClip($"/clips/{seed}.wav", Emotion.Angry, false, 1, 1, 1);
        return new FeatureClip(values, frames, 0, source, 1.0);
    }

    private static readonly FeatureClip[] Clips = [Clip(200, 1), Clip(157, 2), Clip(96, 3)];

    private static readonly AttentionSource LastLayer = new();

    [Fact]
    public void A_window_over_the_whole_clip_is_the_teacher_run_on_that_clip_in_a_padded_batch()
    {
        using var teacher = Teacher();
        using var stored = PrecomputedTeacher.Compute(teacher, Clips, LastLayer, CPU, batchSize: 2);
        var builder = new BatchBuilder(Clips, MelBins);
        using var batch = builder.Make([0, 2], maxFrames: null, random: null);

        using var online = teacher.Forward(batch.Mel, batch.Lengths, returnAttention: true);
        using var onlineWeights = AudioAttentionWeights.From(online, LastLayer);
        var (assembled, weights) = stored.ForWindows(batch.Windows, batch.Lengths);
        using (assembled)
        using (weights)
        {
            Assert.Equal(online.Projected.shape, assembled.Projected.shape);
            Assert.Equal(online.Logits.shape, assembled.Logits.shape);
            Assert.Equal(online.AudioLengths.data<long>().ToArray(), assembled.AudioLengths.data<long>().ToArray());
            // Valid steps agree; padded steps are zeros in the assembled output (the losses mask them).
            var valid = AttentionMasks.ValidSteps(online.AudioLengths, online.AudioSteps).unsqueeze(-1);
            Assert.True(allclose(online.Projected * valid, assembled.Projected, atol: 1e-5));
            Assert.True(allclose(online.AnswerLogits, assembled.AnswerLogits, atol: 1e-4));
            Assert.True(allclose(onlineWeights!, weights!, atol: 1e-5));
            // LDist reads the assembled logits as it reads the online ones (padded audio positions are masked).
            Assert.Equal(0, LDistLoss.Compute(assembled, online, new LDistOptions()).item<float>(), 4);
        }
    }

    [Fact]
    public void A_cropped_window_reads_the_whole_clips_steps_it_covers_with_weights_renormalised_over_it()
    {
        using var teacher = Teacher();
        using var stored = PrecomputedTeacher.Compute(teacher, Clips, LastLayer, CPU);
        var builder = new BatchBuilder(Clips, MelBins);
        using var whole = builder.Make([0], maxFrames: null, random: null);
        using var wholeOutput = teacher.Forward(whole.Mel, whole.Lengths, returnAttention: true);
        using var wholeWeights = AudioAttentionWeights.From(wholeOutput, LastLayer);

        // Clip 0 from mel frame 40 (audio step 10) for 120 frames (30 steps), beside clip 2's first 80 frames (20 steps).
        var windows = new[] { (Clip: 0, Offset: 40), (Clip: 2, Offset: 0) };
        var (assembled, weights) = stored.ForWindows(windows, tensor(new long[] { 120, 80 }));
        using (assembled)
        using (weights)
        {
            Assert.Equal(new long[] { 30, 20 }, assembled.AudioLengths.data<long>().ToArray());
            Assert.Equal(30, assembled.AudioSteps);
            Assert.True(allclose(wholeOutput.Projected[0].narrow(0, 10, 30), assembled.Projected[0], atol: 1e-5));
            int p = assembled.PrefixLength;
            Assert.True(allclose(wholeOutput.Logits[0].narrow(0, p + 10, 30), assembled.Logits[0].narrow(0, p, 30), atol: 1e-4));
            Assert.True(allclose(wholeOutput.AnswerLogits[0], assembled.AnswerLogits[0], atol: 1e-4));   // the whole clip's answer

            var expected = wholeWeights![0].narrow(0, 10, 30);
            Assert.True(allclose(expected / expected.sum(), weights![0], atol: 1e-5));
            Assert.Equal(1.0, weights[1].sum().item<float>(), 4);
            Assert.Equal(0.0, weights[1].narrow(0, 20, 10).abs().sum().item<float>(), 6);         // padding weighs nothing
            Assert.Equal(0.0, assembled.Projected[1].narrow(0, 20, 10).abs().sum().item<float>(), 6);
        }
    }

    [Fact]
    public void The_weights_profile_covers_each_clip_in_windows_a_stride_apart_and_the_last_one_as_training_reads_them()
    {
        using var teacher = Teacher();
        using var stored = PrecomputedTeacher.Compute(teacher, Clips, LastLayer, CPU);
        var profile = stored.ProfileWeights(windowSteps: 30, strideSteps: 10)!;

        // Clips of 50, 39 and 24 audio steps: windows at steps 0, 10, 20 | 0, 9 (the last) | 0 (the whole short clip).
        (int Clip, int Step, int Steps)[] windows = [(0, 0, 30), (0, 10, 30), (0, 20, 30), (1, 0, 30), (1, 9, 30), (2, 0, 24)];
        var read = windows.Select(w =>
        {
            var (output, weights) = stored.ForWindows([(w.Clip, w.Step * 4)], tensor(new long[] { w.Steps * 4 }));
            using (output)
            using (weights)
                return weights![0].data<float>().ToArray();
        }).ToArray();
        var expected = AttentionWeightProfile.Of(read);
        Assert.Equal(6, profile.Windows);
        Assert.Equal(expected.EffectiveShare, profile.EffectiveShare, 5);
        Assert.Equal(expected.TopTenthMass, profile.TopTenthMass, 5);
        Assert.Equal(expected.PeakRatio, profile.PeakRatio, 4);
        Assert.InRange(profile.EffectiveShare, 0.0, 1.0);
    }

    [Fact]
    public void Without_an_attention_source_no_weights_are_kept()
    {
        using var teacher = Teacher();
        using var stored = PrecomputedTeacher.Compute(teacher, Clips, attention: null, CPU);
        Assert.False(stored.HasAttentionWeights);
        Assert.Null(stored.ProfileWeights(30, 10));
        var (assembled, weights) = stored.ForWindows([(1, 0)], tensor(new long[] { 157 }));
        using (assembled)
        {
            Assert.Null(weights);
            Assert.Equal(39, assembled.AudioSteps);
        }
    }

    [Theory]
    [InlineData(0, 2, 80, "not a multiple of the subsampling 4")]
    [InlineData(2, 40, 80, "clip 2 has 24")]
    [InlineData(3, 0, 80, "cover clips 0..2")]
    public void A_window_that_does_not_fit_the_stored_outputs_is_refused_by_name(int clip, int offset, long length, string expected)
    {
        using var teacher = Teacher();
        using var stored = PrecomputedTeacher.Compute(teacher, Clips, attention: null, CPU);
        var error = Assert.Throws<ArgumentException>(() => stored.ForWindows([(clip, offset)], tensor(new[] { length })));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Batches_record_their_windows_and_offsets_fall_on_the_step()
    {
        var builder = new BatchBuilder(Clips, MelBins);
        var random = new Random(3);
        for (int trial = 0; trial < 50; trial++)
        {
            using var batch = builder.Make([0, 1, 2], maxFrames: 90, random, offsetStep: 4);
            Assert.Equal([0, 1, 2], batch.Windows.Select(w => w.Clip));
            Assert.All(batch.Windows, w => Assert.Equal(0, w.Offset % 4));
            Assert.All(batch.Windows, w => Assert.InRange(w.Offset, 0, Clips[w.Clip].Frames - 90));
            // The window's first frame is the clip's frame at the recorded offset.
            var (clip, offset) = batch.Windows[1];
            Assert.Equal(Clips[clip].Features[offset * MelBins], batch.Mel[1, 0, 0].item<float>());
        }
    }

    [Fact]
    public void One_variant_per_source_clip_per_epoch()
    {
        var variants = Clips.SelectMany(c => new[] { c, c with { Speed = 0.9 }, c with { Speed = 1.1 } }).ToArray();
        var builder = new BatchBuilder(variants, MelBins);
        Assert.Equal(3, builder.SourceCount);
        var seenSpeeds = new HashSet<double>();
        for (int epoch = 0; epoch < 20; epoch++)
        {
            int[] order = builder.OrderOnePerSource(2, new Random(epoch)).SelectMany(b => b).ToArray();
            Assert.Equal(3, order.Length);
            Assert.Equal(3, order.Select(i => variants[i].Source.Path).Distinct().Count());
            foreach (int i in order)
                seenSpeeds.Add(variants[i].Speed);
        }
        Assert.Equal(3, seenSpeeds.Count);   // every speed is drawn over the epochs
    }
}
