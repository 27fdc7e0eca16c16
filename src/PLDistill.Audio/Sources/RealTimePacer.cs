namespace PLDistill.Audio.Sources;

/// <summary>
/// Holds back audio read from a file or pipe so it arrives no faster than real time, the way a microphone delivers it:
/// a 10 s file then takes about 10 s. Sources call <see cref="Start"/> before their first read and
/// <see cref="WaitUntilPlayedAsync"/> after each read.
/// </summary>
/// <remarks>
/// Waiting is measured from the start, not per read, so small timer overshoots do not add up over a long file.
/// A consumer slower than real time is never delayed further. Time comes from a <see cref="TimeProvider"/>,
/// so tests can use a fake clock.
/// </remarks>
public sealed class RealTimePacer
{
    private readonly int _sampleRate;
    private readonly TimeProvider _clock;
    private long? _startTimestamp;

    /// <summary>Creates a pacer for audio at <paramref name="sampleRate"/> frames per second, timed by <paramref name="clock"/>.</summary>
    public RealTimePacer(int sampleRate, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentNullException.ThrowIfNull(clock);
        _sampleRate = sampleRate;
        _clock = clock;
    }

    /// <summary>Marks the moment playback starts; later calls do nothing.</summary>
    public void Start() => _startTimestamp ??= _clock.GetTimestamp();

    /// <summary>
    /// Waits until <paramref name="framesDelivered"/> frames (counted from <see cref="Start"/>) would have finished
    /// playing; returns at once when that moment has passed. Starts the clock if <see cref="Start"/> was not called.
    /// </summary>
    public Task WaitUntilPlayedAsync(long framesDelivered, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(framesDelivered);
        Start();
        TimeSpan due = TimeSpan.FromSeconds(framesDelivered / (double)_sampleRate);
        TimeSpan ahead = due - _clock.GetElapsedTime(_startTimestamp!.Value);
        return ahead > TimeSpan.Zero
            ? Task.Delay(ahead, _clock, cancellationToken)
            : cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;
    }
}
