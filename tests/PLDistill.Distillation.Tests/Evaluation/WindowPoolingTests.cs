using PLDistill.Audio.Data;
using PLDistill.Distillation.Data;
using PLDistill.Distillation.Evaluation;
using PLDistill.Models.Lalm;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Evaluation;

public sealed class WindowPoolingTests
{
    [Theory]
    [InlineData(300, new[] { 0 })]                 // exactly one window
    [InlineData(180, new[] { 0 })]                 // shorter than a window: the clip itself
    [InlineData(370, new[] { 0, 24, 48, 68 })]     // every 25 frames rounded down to 4, then the one ending at the clip's end
    [InlineData(400, new[] { 0, 24, 48, 72, 100 })]
    public void Windows_start_every_hop_on_token_boundaries_and_the_last_ends_with_the_clip(int frames, int[] expected)
    {
        var pooling = new WindowPooling(WindowFrames: 300, HopFrames: 25, AlignFrames: 4);
        Assert.Equal(expected, pooling.Offsets(frames));
    }

    [Fact]
    public void A_window_or_hop_under_one_frame_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WindowPooling(0, 25).Offsets(300));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WindowPooling(300, 0).Offsets(300));
    }

    [Fact]
    public void Clips_no_longer_than_a_window_score_as_one_pass_over_the_whole_clip_and_longer_ones_by_their_windows()
    {
        manual_seed(7);
        using var model = new AudioLanguageModel(LalmConfig.Student);
        model.eval();
        var random = new Random(7);
        var clips = Enumerable.Range(0, 12).Select(i =>
        {
            int frames = 200 + 10 * i;   // 200..310 frames
            var values = Enumerable.Range(0, frames * 80).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            var source = new RavdessClip($"/clips/{i}.wav", (Emotion)(i % 8 + 1), false, 1, 1, 1);
            return new FeatureClip(values, frames, i % 8, source, 1.0);
        }).ToList();

        var whole = Evaluator.Evaluate(model, clips, EmotionLabelSet.Eight, CPU);
        var pooledWide = Evaluator.Evaluate(model, clips, EmotionLabelSet.Eight, CPU, pooling: new WindowPooling(400, 25, 4));
        Assert.Equal(whole.Confusion, pooledWide.Confusion);

        // Windows shorter than the clips: each clip's class is the argmax of its windows' mean probabilities, one by one.
        var pooling = new WindowPooling(100, 25, 4);
        var pooledShort = Evaluator.Evaluate(model, clips, EmotionLabelSet.Eight, CPU, batchSize: 5, pooling: pooling);
        var expected = new int[8][];
        for (int k = 0; k < 8; k++) expected[k] = new int[8];
        using (no_grad())
            foreach (var clip in clips)
            {
                var offsets = pooling.Offsets(clip.Frames);
                var mean = new double[8];
                foreach (int offset in offsets)
                {
                    using var mel = tensor(clip.Features.AsSpan(offset * 80, 100 * 80).ToArray(), [1, 100, 80]);
                    using var lengths = tensor(new long[] { 100 });
                    using var logits = model.ClassLogits(model.AnswerLogits(mel, lengths), EmotionLabelSet.Eight);
                    using var probabilities = logits.softmax(1);
                    float[] p = probabilities.data<float>().ToArray();
                    for (int k = 0; k < 8; k++) mean[k] += p[k] / offsets.Count;
                }
                expected[clip.Label][Array.IndexOf(mean, mean.Max())]++;
            }
        Assert.True(clips.All(c => pooling.Offsets(c.Frames).Count > 1), "every clip should span several windows");
        Assert.Equal(expected, pooledShort.Confusion);
    }
}
