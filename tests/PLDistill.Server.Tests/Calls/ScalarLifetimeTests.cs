using PLDistill.Testing;

namespace PLDistill.Server.Tests.Calls;

public class ScalarLifetimeTests
{
    [Fact]
    public void No_code_hands_libtorch_a_scalar_the_garbage_collector_can_free_mid_call()
    {
        var unsafeCalls = ScalarLifetimeAudit.FindUnsafeCalls(typeof(PLDistill.Server.Calls.RecognitionCalls).Assembly, typeof(ScalarLifetimeTests).Assembly);

        Assert.True(unsafeCalls.Count == 0, "unkept Scalars (see KeptScalars):\n" + string.Join('\n', unsafeCalls));
    }
}
