using PLDistill.Audio.Sources;
using PLDistill.Audio.Tests.TestSupport;

namespace PLDistill.Audio.Tests.Sources;

public class RealTimePacerTests
{
    [Fact]
    public async Task Waits_until_the_delivered_frames_would_have_played()
    {
        var clock = new AutoAdvancingTimeProvider();
        var pacer = new RealTimePacer(16_000, clock);
        pacer.Start();

        await pacer.WaitUntilPlayedAsync(8_000, TestContext.Current.CancellationToken);
        TimeSpan afterHalfSecond = clock.Elapsed;
        await pacer.WaitUntilPlayedAsync(24_000, TestContext.Current.CancellationToken);

        Assert.Equal(TimeSpan.FromSeconds(0.5), afterHalfSecond);
        Assert.Equal(TimeSpan.FromSeconds(1.5), clock.Elapsed);
    }

    [Fact]
    public async Task Does_not_wait_when_the_consumer_is_already_behind()
    {
        var clock = new AutoAdvancingTimeProvider();
        var pacer = new RealTimePacer(8_000, clock);
        pacer.Start();
        clock.Advance(TimeSpan.FromSeconds(3)); // the consumer was slow

        Task wait = pacer.WaitUntilPlayedAsync(16_000, TestContext.Current.CancellationToken);

        Assert.True(wait.IsCompletedSuccessfully);
        await wait;
        Assert.Equal(0, clock.TimersCreated);
        Assert.Equal(TimeSpan.FromSeconds(3), clock.Elapsed);
    }

    [Fact]
    public async Task Time_is_measured_from_the_start_so_waits_do_not_accumulate_drift()
    {
        var clock = new AutoAdvancingTimeProvider();
        var pacer = new RealTimePacer(1_000, clock);
        pacer.Start();

        // 100 reads of 10 ms each, with 3 ms of "processing" between them that the pacer must absorb.
        for (int i = 1; i <= 100; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(3));
            await pacer.WaitUntilPlayedAsync(i * 10, TestContext.Current.CancellationToken);
        }

        Assert.Equal(TimeSpan.FromSeconds(1), clock.Elapsed);
    }

    [Fact]
    public async Task A_cancelled_wait_throws()
    {
        var pacer = new RealTimePacer(16_000, new AutoAdvancingTimeProvider());
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pacer.WaitUntilPlayedAsync(16_000, cancelled.Token));
    }

    [Fact]
    public void Rejects_a_nonpositive_sample_rate()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RealTimePacer(0, TimeProvider.System));
    }
}
