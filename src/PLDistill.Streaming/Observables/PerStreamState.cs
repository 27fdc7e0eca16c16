using System.Reactive.Concurrency;
using PLDistill.Streaming.Engine;

namespace PLDistill.Streaming.Observables;

/// <summary>
/// One subscription's state per stream of the all-streams sequence, for <see cref="EmotionObservables"/>. An engine reuses
/// a stream id once its stream has ended, and nothing in the sequence says a stream ended, so: an estimate whose
/// <see cref="EmotionEstimate.Sequence"/> is not greater than the last one seen for its id starts that id afresh (a new
/// stream), and an id with no estimate for <c>forgetAfter</c> (by <c>scheduler</c>'s clock) is forgotten, so a
/// long-lived subscription does not keep every stream it ever saw.
/// </summary>
/// <remarks>Not thread-safe: an observable's notifications are serialised, and each subscription has its own.</remarks>
internal sealed class PerStreamState<TState>(TimeSpan forgetAfter, IScheduler scheduler) where TState : struct
{
    private readonly Dictionary<string, (TState State, long Sequence, DateTimeOffset LastSeen)> streams = new(StringComparer.Ordinal);
    private DateTimeOffset lastSweep = scheduler.Now;

    /// <summary>Streams remembered now.</summary>
    public int Count => streams.Count;

    /// <summary>Applies <paramref name="next"/> to the state of the estimate's stream (default for a new stream) and keeps the result.</summary>
    public TState Update(EmotionEstimate estimate, Func<TState, EmotionEstimate, TState> next)
    {
        var now = scheduler.Now;
        ForgetQuietStreams(now);
        var state = streams.TryGetValue(estimate.StreamId, out var seen) && estimate.Sequence > seen.Sequence ? seen.State : default;
        state = next(state, estimate);
        streams[estimate.StreamId] = (state, estimate.Sequence, now);
        return state;
    }

    // A sweep at most once per forgetAfter keeps the cost per estimate constant on average.
    private void ForgetQuietStreams(DateTimeOffset now)
    {
        if (now - lastSweep < forgetAfter)
            return;
        lastSweep = now;
        foreach (var (id, seen) in streams)
        {
            if (now - seen.LastSeen >= forgetAfter)
                streams.Remove(id);
        }
    }
}
