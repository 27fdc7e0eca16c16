using PLDistill.Models.Lalm;
using PLDistill.Models.Runtime;
using static TorchSharp.torch;

namespace PLDistill.Models.Tests.Lalm;

public sealed class AttentionMasksTests
{
    [Theory]
    [InlineData(null)]   // full context (teachers)
    [InlineData(3)]      // a sliding causal window (streaming encoders)
    public void Blocked_pairs_built_on_the_host_are_the_window_and_valid_keys_of_the_tensor_rules(int? leftContext)
    {
        const int steps = 7;
        long[] lengths = [7, 4, 0];
        using var positions = KeptScalarOperations.Positions(steps, CPU);
        using var lengthTensor = tensor(lengths);
        using var window = AttentionMasks.Window(positions, positions, leftContext);
        using var valid = AttentionMasks.ValidSteps(lengthTensor, steps);
        using var additive = AttentionMasks.Additive(window, valid, ScalarType.Float32);     // (B, 1, T, T)

        bool[] blocked = AttentionMasks.BlockedPairs(steps, leftContext, lengths);

        Assert.Equal(FinalizerFreeOperations.ToFloatArray(additive).Select(score => score != 0), blocked);
        Assert.True(blocked[(1L * steps + 6) * steps + 4], "clip 1 has 4 steps: key 4 is padding");
        Assert.Equal(leftContext is null, !blocked[2L * steps + 5]);   // query 2 sees key 5 only with full context
    }

    [Fact]
    public void A_length_outside_the_batch_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => AttentionMasks.BlockedPairs(5, 2, [6]));
        Assert.Contains("clip 0 has 6 steps; the batch holds 5", error.Message);
    }

    [Fact]
    public void Step_pairs_built_on_the_host_are_the_window_and_real_keys_of_the_tensor_rules()
    {
        // Three streams: a full cache and a full chunk, a short cache and one new frame, an empty cache (a stream's start).
        const int past = 5, steps = 3, window = 4;
        long[] cached = [5, 2, 0], counts = [3, 1, 2];
        using var queryPositions = KeptScalarOperations.Positions(past, past + steps, CPU);
        using var keyPositions = KeptScalarOperations.Positions(past + steps, CPU);
        using var realFrom = tensor(cached.Select(c => past - c).ToArray());
        using var realTo = tensor(counts.Select(c => past + c).ToArray());
        using var realKeys = AttentionMasks.ValidSteps(realTo, past + steps).logical_and(AttentionMasks.ValidSteps(realFrom, past + steps).logical_not());
        using var allowed = AttentionMasks.Window(queryPositions, keyPositions, window);
        using var additive = AttentionMasks.Additive(allowed, realKeys, ScalarType.Float32);     // (A, 1, T, P+T)

        bool[] blocked = AttentionMasks.BlockedPairsForStep(past, steps, window, cached, counts);

        Assert.Equal(FinalizerFreeOperations.ToFloatArray(additive).Select(score => score != 0), blocked);
        const int keys = past + steps;
        Assert.True(blocked[(1L * steps + 0) * keys + 2], "stream 1 caches 2 frames: key 2 is padding");
        Assert.False(blocked[(1L * steps + 0) * keys + 3], "stream 1's oldest cached frame is key 3");
        Assert.True(blocked[(0L * steps + 2) * keys + 2], "query 7 is 5 frames after key 2: outside a window of 4");
        Assert.True(blocked[(0L * steps + 0) * keys + 6], "the future is never seen");
    }

    [Fact]
    public void A_step_with_more_frames_than_its_batch_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => AttentionMasks.BlockedPairsForStep(4, 2, 3, [5], [1]));
        Assert.Contains("stream 0 holds 5 cached and 1 new frames; the batch holds 4 and 2", error.Message);
        Assert.Throws<ArgumentException>(() => AttentionMasks.BlockedPairsForStep(4, 2, 3, [1, 1], [1]));
    }

    [Theory]
    [InlineData(0L, 6L, 6L)]    // a whole clip
    [InlineData(5L, 3L, 8L)]    // a streaming step: three new frames after five cached
    public void Position_bias_from_host_buckets_equals_the_bias_of_the_positions(long queryFrom, long queries, long keys)
    {
        using var bias = new RelativePositionBias(heads: 2, maxPast: 4, maxFuture: 1);
        using (no_grad())
        {
            foreach (var parameter in bias.parameters())
                parameter.copy_(tensor(Enumerable.Range(0, (int)parameter.numel()).Select(v => (float)v).ToArray()).view(parameter.shape));   // every bucket its own value
        }
        using var queryPositions = KeptScalarOperations.Positions(queryFrom, queryFrom + queries, CPU);
        using var keyPositions = KeptScalarOperations.Positions(keys, CPU);
        using var distances = queryPositions.unsqueeze(1) - keyPositions.unsqueeze(0);       // (Tq, Tk): query − key position
        using var expected = bias.ForDistances(distances);

        using var actual = bias.ForPositions(queryFrom, queries, keys);

        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(FinalizerFreeOperations.ToFloatArray(expected), FinalizerFreeOperations.ToFloatArray(actual));
    }

    [Fact]
    public void A_bias_layout_first_made_in_inference_mode_serves_a_training_pass_later()
    {
        using var bias = new RelativePositionBias(heads: 2, maxPast: 3, maxFuture: 0);
        using (inference_mode())
        using (bias.ForPositions(queryFrom: 11, queries: 2, keys: 13)) { }   // sizes no other test uses: this builds the layout

        using var trained = bias.ForPositions(queryFrom: 11, queries: 2, keys: 13);   // the kept layout, now under autograd
        using var loss = trained.sum();
        loss.backward();

        var gradient = bias.parameters().Single().grad;
        Assert.NotNull(gradient);
        Assert.Equal(2 * 13 * 2, (int)FinalizerFreeOperations.ToFloatArray(gradient!).Sum());   // every (head, query, key) counted once
    }
}
