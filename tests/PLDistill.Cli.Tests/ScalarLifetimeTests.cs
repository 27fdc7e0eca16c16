using PLDistill.Testing;

namespace PLDistill.Cli.Tests;

public class ScalarLifetimeTests
{
    [Fact]
    public void No_code_hands_libtorch_a_scalar_the_garbage_collector_can_free_mid_call()
    {
        var unsafeCalls = ScalarLifetimeAudit.FindUnsafeCalls(typeof(PldCommand).Assembly, typeof(ScalarLifetimeTests).Assembly);

        Assert.True(unsafeCalls.Count == 0, "unkept Scalars (see KeptScalars):\n" + string.Join('\n', unsafeCalls));
    }
}
