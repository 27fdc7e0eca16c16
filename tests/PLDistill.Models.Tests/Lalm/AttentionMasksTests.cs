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
}
