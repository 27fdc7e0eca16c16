using PLDistill.Testing;

namespace PLDistill.Streaming.Tests.Inference;

public class ScalarLifetimeTests
{
    [Fact]
    public void No_code_hands_libtorch_a_scalar_the_garbage_collector_can_free_mid_call()
    {
        var unsafeCalls = ScalarLifetimeAudit.FindUnsafeCalls(typeof(PLDistill.Streaming.Inference.StreamingStudent).Assembly, typeof(ScalarLifetimeTests).Assembly);

        Assert.True(unsafeCalls.Count == 0, "unkept Scalars (see KeptScalars):\n" + string.Join('\n', unsafeCalls));
    }
}
