using System.Reactive.Concurrency;
using PLDistill.Streaming.Engine;
using PLDistill.Streaming.Observables;

namespace PLDistill.Streaming.Tests.Observables;

public sealed class PerStreamStateTests
{
    private static EmotionEstimate Estimate(string streamId, long sequence) => new()
    {
        StreamId = streamId, Sequence = sequence, AudioStart = TimeSpan.Zero, AudioEnd = TimeSpan.FromSeconds(sequence + 1),
        Label = "neutral", Labels = ["neutral"], Probabilities = [1f], SmoothedProbabilities = [1f], Confidence = 1f,
        ModelLatency = TimeSpan.Zero, EndToEndLatency = TimeSpan.Zero,
    };

    private static int Count(int seen, EmotionEstimate _) => seen + 1;

    [Fact]
    public void Streams_that_went_quiet_are_let_go()
    {
        var clock = new HistoricalScheduler();
        var state = new PerStreamState<int>(TimeSpan.FromMinutes(1), clock);
        for (int i = 0; i < 100; i++)
            state.Update(Estimate($"s{i}", 0), Count);
        Assert.Equal(100, state.Count);

        clock.AdvanceBy(TimeSpan.FromMinutes(1));
        state.Update(Estimate("live", 0), Count);

        Assert.Equal(1, state.Count);
    }

    [Fact]
    public void A_sequence_not_past_the_last_seen_starts_the_stream_afresh()
    {
        var state = new PerStreamState<int>(TimeSpan.FromMinutes(1), new HistoricalScheduler());

        int[] counts = [.. new long[] { 0, 1, 2, 0, 1, 1 }.Select(sequence => state.Update(Estimate("a", sequence), Count))];

        Assert.Equal([1, 2, 3, 1, 2, 1], counts);
    }
}
