namespace PLDistill.Audio.Tests.TestSupport;

/// <summary>
/// A fake clock in which waiting costs no real time: every timer jumps the clock forward to its due time and fires.
/// <see cref="Elapsed"/> then tells how long a paced operation would have taken on a real clock.
/// </summary>
internal sealed class AutoAdvancingTimeProvider : TimeProvider
{
    private static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private long _ticks;

    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    public int TimersCreated { get; private set; }

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => Epoch + Elapsed;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        TimersCreated++;
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            Advance(dueTime);
            // Fire after returning, as a real timer would, so the caller has finished setting up.
            ThreadPool.QueueUserWorkItem(_ => callback(state));
        }
        return new NeverAgainTimer();
    }

    private sealed class NeverAgainTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;
        public void Dispose() { }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
