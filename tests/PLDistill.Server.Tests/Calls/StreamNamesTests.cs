using Grpc.Core;
using PLDistill.Server.Calls;
using PLDistill.Server.Security;

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

    [Theory]
    [InlineData("call-1\n")]
    [InlineData("call-1\r\n")]
    [InlineData("")]
    [InlineData("-call")]
    public void A_malformed_stream_id_is_invalid_argument_a_trailing_newline_included(string id)
    {
        // In .NET a regex's $ also matches before a final newline: "call-1\n" passed as a second stream beside "call-1".
        var error = Assert.Throws<RpcException>(() => StreamNames.Resolve(id, new Tenant("acme", 4), "config.stream_id"));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public void A_well_formed_stream_id_of_128_characters_is_itself()
    {
        string id = "c" + new string('1', 127);
        Assert.Equal(id, StreamNames.Resolve(id, new Tenant("acme", 4), "config.stream_id"));
    }
}
