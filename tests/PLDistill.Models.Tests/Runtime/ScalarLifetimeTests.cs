using PLDistill.Models.Lalm;
using PLDistill.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Models.Tests.Runtime;

public class ScalarLifetimeTests
{
    [Fact]
    public void The_audit_sees_the_scalars_torchsharp_creates_and_the_ones_kept_in_a_using_local_pass()
    {
        var found = ScalarLifetimeAudit.FindUnsafeCalls(typeof(UnsafeSamples).Assembly)
            .Where(call => call.Contains(nameof(UnsafeSamples), StringComparison.Ordinal))
            .ToList();

        Assert.True(ScalarLifetimeAudit.UnsafeTorchSharpMemberCount > 100, "TorchSharp's own Scalar-making members were not found");
        Assert.Contains(found, call => call.Contains("Half ->", StringComparison.Ordinal) && call.Contains("op_Multiply", StringComparison.Ordinal));
        Assert.Contains(found, call => call.Contains("Sum ->", StringComparison.Ordinal) && call.Contains("op_Addition", StringComparison.Ordinal));
        Assert.Contains(found, call => call.Contains("Squared ->", StringComparison.Ordinal) && call.Contains("square", StringComparison.Ordinal));
        Assert.Contains(found, call => call.Contains("Filled ->", StringComparison.Ordinal) && call.Contains("op_Implicit", StringComparison.Ordinal));
        Assert.DoesNotContain(found, call => call.Contains("Kept", StringComparison.Ordinal));
    }

    [Fact]
    public void No_model_code_hands_libtorch_a_scalar_the_garbage_collector_can_free_mid_call()
    {
        var unsafeCalls = ScalarLifetimeAudit.FindUnsafeCalls(typeof(AudioLanguageModel).Assembly, typeof(ScalarLifetimeTests).Assembly)
            .Where(call => !call.Contains(nameof(UnsafeSamples), StringComparison.Ordinal))
            .ToList();

        Assert.True(unsafeCalls.Count == 0, "unkept Scalars:\n" + string.Join('\n', unsafeCalls));
    }

    /// <summary>What the audit must catch (never run).</summary>
    private static class UnsafeSamples
    {
        public static Tensor Half(Tensor x) => x * 0.5f;
        public static Tensor Sum(Tensor a, Tensor b) => a + b;
        public static Tensor Squared(Tensor x) => x.square();
        public static Tensor Filled(Tensor x, Tensor mask) => x.masked_fill(mask, 0);

        public static Tensor Kept(Tensor x)
        {
            using var half = 0.5f.ToScalar();
            return x.mul(half);
        }
    }
}
