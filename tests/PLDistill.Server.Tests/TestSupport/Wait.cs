using PLDistill.Api.V1;
using PLDistill.Client;

namespace PLDistill.Server.Tests.TestSupport;

/// <summary>Polling for state the server reaches asynchronously (a stream listed, an event seen).</summary>
internal static class Wait
{
    /// <summary>Polls <paramref name="condition"/> every 20 ms; fails the test if it is not true within <paramref name="seconds"/>.</summary>
    public static async Task Until(Func<Task<bool>> condition, double seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not become true in time");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Polls a synchronous <paramref name="condition"/> (a flag a reader sets).</summary>
    public static Task Until(Func<bool> condition, double seconds = 20) => Until(() => Task.FromResult(condition()), seconds);

    /// <summary>Polls ListStreams of <paramref name="client"/>'s tenant until <paramref name="condition"/> holds for the open streams.</summary>
    public static Task UntilListed(EmotionClient client, Func<IReadOnlyList<StreamInfo>, bool> condition) =>
        Until(async () => condition(await client.ListStreamsAsync(TestContext.Current.CancellationToken)));
}
