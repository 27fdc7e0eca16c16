using PLDistill.Server.Calls;

namespace PLDistill.Server.Tests.Calls;

public sealed class StreamNamesTests
{
    [Fact]
    public void Every_call_gets_its_own_engine_id_so_a_retry_never_meets_the_call_before_it()
    {
        string first = StreamNames.EngineId("acme", "call-1");
        string retry = StreamNames.EngineId("acme", "call-1");
        string otherTenant = StreamNames.EngineId("globex", "call-1");

        Assert.NotEqual(first, retry);
        Assert.StartsWith("acme/call-1#", first, StringComparison.Ordinal);
        Assert.StartsWith("acme/call-1#", retry, StringComparison.Ordinal);
        Assert.StartsWith("globex/call-1#", otherTenant, StringComparison.Ordinal);
    }
}
