using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using static TorchSharp.torch;

namespace PLDistill.Models.Tests.Lalm;

public sealed class BatchedEncoderStepTests
{
    private const int MelBins = 80;

    private static AudioLanguageModel Student()
    {
        manual_seed(21);
        var model = new AudioLanguageModel(LalmConfig.Student);
        model.eval();
        model.Encoder.SetNormalization(ones(MelBins).Times(-5), ones(MelBins).Times(3));
        return model;
    }

    /// <summary>A stream: mel frames stepped before the batches start (in chunks of 25), then mel frames per batched step, cycling.</summary>
    private sealed record StreamPlan(int HistoryFrames, int[] Hops);

    private static readonly StreamPlan[] Plans =
    [
        new(0, [25]),              // fresh: empty cache and no convolution history; 250 ms hops give 6 or 7 new frames
        new(100, [25, 26]),        // 1 s of history: a cache of 25 frames, shorter than the window
        new(500, [31, 160, 25]),   // 5 s: a full cache that rolls over; hops of different sizes
        new(2, [1]),               // 2 mel frames pending, one more per step: mostly 0 new encoder frames
        new(13, [0, 3, 40]),       // history not a multiple of the subsampling; an empty hop; a hop with no new frame
    ];

    [Fact]
    public void A_batch_of_streams_in_different_states_equals_stepping_each_stream_alone()
    {
        using var model = Student();
        using var scope = NewDisposeScope();   // frees every tensor of the test; the states free their own
        using var inference = inference_mode();
        const int rounds = 14;
        var mels = Plans.Select(p => randn(1, p.HistoryFrames + rounds * p.Hops.Max(), MelBins).Times(3).Minus(5)).ToArray();
        var alone = Plans.Select(_ => model.Encoder.CreateStreamState()).ToArray();
        var batched = Plans.Select(_ => model.Encoder.CreateStreamState()).ToArray();
        var outputs = Plans.Select(_ => new List<Tensor>()).ToArray();   // the batched stream's outputs, history included
        var offsets = new long[Plans.Length];
        try
        {
            for (int s = 0; s < Plans.Length; s++)
            {
                for (; offsets[s] < Plans[s].HistoryFrames; offsets[s] += 25)
                {
                    var chunk = mels[s].narrow(1, offsets[s], Math.Min(25, Plans[s].HistoryFrames - offsets[s]));
                    model.Encoder.Step(chunk, alone[s]);
                    outputs[s].Add(model.Encoder.Step(chunk, batched[s]));
                }
                offsets[s] = Plans[s].HistoryFrames;
            }
            Assert.Equal(new long[] { 0, 25, 125, 0, 3 }, batched.Select(b => b.FramesEncoded));
            Assert.Equal(new long[] { 0, 25, 50, 0, 3 }, batched.Select(b => b.CachedFrames));

            bool mixedZeroAndNew = false;
            for (int round = 0; round < rounds; round++)
            {
                var chunks = Plans.Select((p, s) => mels[s].narrow(1, offsets[s], p.Hops[round % p.Hops.Length])).ToArray();
                var step = model.Encoder.Step(chunks, batched);
                Assert.Equal(Plans.Length, step.Frames.shape[0]);
                Assert.Equal(step.Counts.Max(), step.Frames.shape[1]);
                mixedZeroAndNew |= step.Counts.Contains(0) && step.Counts.Any(c => c > 0);
                for (int s = 0; s < Plans.Length; s++)
                {
                    var expected = model.Encoder.Step(chunks[s], alone[s]);   // (1, t', D)
                    Assert.Equal(expected.shape[1], step.Counts[s]);
                    outputs[s].Add(step.Of(s).unsqueeze(0));
                    AssertClose(expected[0], step.Of(s), 1e-5f, $"stream {s}, round {round}: outputs");
                    AssertSameState(alone[s], batched[s], $"stream {s}, round {round}");
                    offsets[s] += chunks[s].shape[1];
                }
            }
            Assert.True(mixedZeroAndNew, "no step mixed streams with and without new frames");

            // And against the ground truth: the offline encoder over everything each stream has seen.
            for (int s = 0; s < Plans.Length; s++)
            {
                var (offline, _) = model.Encoder.Forward(mels[s].narrow(1, 0, offsets[s]), tensor(new[] { offsets[s] }));
                var incremental = cat(outputs[s], 1);
                AssertClose(offline, incremental, 1e-4f, $"stream {s}: batched steps against the offline encoder");
            }
        }
        finally
        {
            foreach (var state in alone.Concat(batched))
                state.Dispose();
        }
    }

    [Fact]
    public void A_batch_where_no_stream_fills_a_subsampling_group_returns_no_frames_and_keeps_the_mel()
    {
        using var model = Student();
        using var inference = inference_mode();
        using var a = model.Encoder.CreateStreamState();
        using var b = model.Encoder.CreateStreamState();
        using var step = model.Encoder.Step([randn(1, 3, MelBins), randn(1, 0, MelBins)], [a, b]);
        Assert.Equal(new long[] { 2, 0, 128 }, step.Frames.shape);
        Assert.Equal(new[] { 0, 0 }, step.Counts);
        Assert.Equal(3, a.PendingMel!.shape[1]);
        Assert.Equal(0, a.FramesEncoded);
    }

    [Fact]
    public void A_stream_can_take_only_one_step_at_a_time()
    {
        using var model = Student();
        using var inference = inference_mode();
        using var state = model.Encoder.CreateStreamState();
        Assert.Throws<ArgumentException>(() => model.Encoder.Step([randn(1, 8, MelBins), randn(1, 8, MelBins)], [state, state]));
        Assert.Throws<ArgumentException>(() => model.Encoder.Step([randn(1, 8, MelBins)], [state, state]));
        Assert.Equal(0, state.FramesEncoded);
    }

    private static void AssertSameState(EncoderStreamState expected, EncoderStreamState actual, string what)
    {
        Assert.Equal(expected.FramesEncoded, actual.FramesEncoded);
        AssertClose(expected.PendingMel, actual.PendingMel, 1e-5f, $"{what}: pending mel");
        AssertClose(expected.SubsamplingHistory, actual.SubsamplingHistory, 1e-5f, $"{what}: subsampling history");
        for (int layer = 0; layer < expected.Cache.Layers; layer++)
        {
            AssertClose(expected.Cache.Keys(layer), actual.Cache.Keys(layer), 1e-5f, $"{what}: keys of layer {layer}");
            AssertClose(expected.Cache.Values(layer), actual.Cache.Values(layer), 1e-5f, $"{what}: values of layer {layer}");
        }
    }

    private static void AssertClose(Tensor? expected, Tensor? actual, float tolerance, string what)
    {
        Assert.True((expected is null) == (actual is null), $"{what}: one is missing");
        if (expected is null || actual is null)
            return;
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected.shape)}]");
        if (expected.numel() == 0)
            return;
        using var scope = NewDisposeScope();
        float worst = (expected - actual).abs().max().item<float>();
        Assert.True(worst <= tolerance, $"{what}: max |difference| = {worst}");
    }
}
