namespace PLDistill.Server.Calls;

/// <summary>
/// The deadline of one read of a call's request stream (idle or duration limit), on one timer re-armed per message
/// instead of a linked token source and a timer per message. Not thread-safe: one read at a time.
/// </summary>
internal sealed class ReadDeadline(CancellationToken stop) : IDisposable
{
    private CancellationTokenSource source = CancellationTokenSource.CreateLinkedTokenSource(stop);

    /// <summary>A token cancelled when the stop token is, or <paramref name="within"/> from now; <see cref="Disarm"/> after the read.</summary>
    public CancellationToken Arm(TimeSpan within)
    {
        source.CancelAfter(within);
        return source.Token;
    }

    /// <summary>Stops the timer. One that already fired (a message landed on the deadline) is replaced, so the next read starts uncancelled.</summary>
    public void Disarm()
    {
        if (source.TryReset())
            return;
        source.Dispose();
        source = CancellationTokenSource.CreateLinkedTokenSource(stop);
    }

    public void Dispose() => source.Dispose();
}
