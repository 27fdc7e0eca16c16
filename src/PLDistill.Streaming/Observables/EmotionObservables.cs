using System.Reactive.Concurrency;
using System.Reactive.Linq;
using PLDistill.Streaming.Engine;

namespace PLDistill.Streaming.Observables;

/// <summary>
/// Observables derived from the engine's estimates: confirmed label changes and sustained-emotion alerts.
/// Each operator accepts the merged all-streams sequence and keeps its state per <see cref="EmotionEstimate.StreamId"/>,
/// per subscription. An engine reuses the id of a stream that has ended: an estimate whose
/// <see cref="EmotionEstimate.Sequence"/> is not greater than the last one seen for its id (a new stream's 0) starts
/// with fresh state. Nothing in the sequence says a stream ended, so a stream with no estimate for <c>forgetAfter</c>
/// (default <see cref="DefaultForgetAfter"/>, by the <c>scheduler</c>'s clock) is forgotten; should it resume, it starts
/// afresh like a new stream. Otherwise time is the audio time the estimates carry, never the wall clock, so the same
/// estimates give the same output; results are delivered on the thread that delivers the source's notifications, and
/// the source's OnError and OnCompleted pass through unchanged.
/// </summary>
public static class EmotionObservables
{
    /// <summary>How long a stream may go without an estimate before its state is forgotten, unless told otherwise.</summary>
    public static readonly TimeSpan DefaultForgetAfter = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The confirmed label of each stream, with hysteresis: a label other than the current one is confirmed only after
    /// <paramref name="confirmHops"/> consecutive estimates of the stream name it as <see cref="EmotionEstimate.Label"/>
    /// with <see cref="EmotionEstimate.Confidence"/> at or above <paramref name="minConfidence"/>. An estimate below
    /// <paramref name="minConfidence"/>, or one naming the current label or a different candidate, breaks the run, so
    /// with <paramref name="confirmHops"/> of 2 or more a single-hop blip never changes the label. The first confirmed
    /// label of a stream is published too, with <see cref="LabelChange.From"/> <see langword="null"/>.
    /// </summary>
    /// <param name="estimates">Estimates of one or many streams, each stream's in sequence order.</param>
    /// <param name="minConfidence">Smallest confidence that counts towards confirming a label, in (0, 1].</param>
    /// <param name="confirmHops">Consecutive agreeing estimates needed to confirm a label, at least 1.</param>
    /// <param name="forgetAfter">Quiet time after which a stream's state is dropped, positive; <see cref="DefaultForgetAfter"/> if null.</param>
    /// <param name="scheduler">The clock <paramref name="forgetAfter"/> is measured by; <see cref="Scheduler.Default"/> if null.</param>
    /// <returns>One <see cref="LabelChange"/> per confirmed change, at the estimate that confirmed it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="estimates"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minConfidence"/>, <paramref name="confirmHops"/> or <paramref name="forgetAfter"/> is out of range.</exception>
    public static IObservable<LabelChange> LabelChanges(this IObservable<EmotionEstimate> estimates, float minConfidence = 0.5f, int confirmHops = 2,
        TimeSpan? forgetAfter = null, IScheduler? scheduler = null)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        // Written as a negated range so NaN is rejected too.
        if (!(minConfidence > 0f && minConfidence <= 1f))
            throw new ArgumentOutOfRangeException(nameof(minConfidence), minConfidence, "Must be in (0, 1].");
        ArgumentOutOfRangeException.ThrowIfLessThan(confirmHops, 1);
        var quiet = ValidForgetAfter(forgetAfter);
        var clock = scheduler ?? Scheduler.Default;

        return Observable.Defer(() =>
        {
            var streams = new PerStreamState<LabelTracker>(quiet, clock);
            return estimates
                .Select(estimate => streams.Update(estimate, (tracker, e) => tracker.Next(e, minConfidence, confirmHops)).Change)
                .OfType<LabelChange>();   // drops the hops that confirmed nothing
        });
    }

    /// <summary>
    /// Alerts when, in one stream, the smoothed probability of <paramref name="label"/> stays at or above
    /// <paramref name="threshold"/> for <paramref name="duration"/> of audio. A run is a maximal series of consecutive
    /// estimates with the probability at or above the threshold; it lasts <c>AudioEnd(latest) - AudioEnd(first)</c>, the
    /// audio time over which the label was observed to hold without a break (audio before the first observation is not
    /// credited, so a single estimate lasts zero). The alert is published by the first estimate of the run that makes
    /// it last at least <paramref name="duration"/>, once per run: another needs the probability to fall below the
    /// threshold and a new run to last long enough.
    /// </summary>
    /// <param name="estimates">Estimates of one or many streams, each stream's in sequence order.</param>
    /// <param name="label">The emotion to watch, one of <see cref="EmotionEstimate.Labels"/> (compared ordinally).</param>
    /// <param name="threshold">Smoothed probability the label must stay at or above, in (0, 1].</param>
    /// <param name="duration">Audio time the run must last, positive.</param>
    /// <param name="forgetAfter">Quiet time after which a stream's state is dropped, positive; <see cref="DefaultForgetAfter"/> if null.</param>
    /// <param name="scheduler">The clock <paramref name="forgetAfter"/> is measured by; <see cref="Scheduler.Default"/> if null.</param>
    /// <returns>One <see cref="EmotionAlert"/> per run that lasts long enough; OnError with an
    /// <see cref="ArgumentException"/> on the first estimate whose labels do not include <paramref name="label"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="estimates"/> or <paramref name="label"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="label"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/>, <paramref name="duration"/> or <paramref name="forgetAfter"/> is out of range.</exception>
    public static IObservable<EmotionAlert> SustainedEmotion(this IObservable<EmotionEstimate> estimates, string label, float threshold, TimeSpan duration,
        TimeSpan? forgetAfter = null, IScheduler? scheduler = null)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        ArgumentException.ThrowIfNullOrEmpty(label);
        // Written as a negated range so NaN is rejected too.
        if (!(threshold > 0f && threshold <= 1f))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Must be in (0, 1].");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var quiet = ValidForgetAfter(forgetAfter);
        var clock = scheduler ?? Scheduler.Default;

        return Observable.Defer(() =>
        {
            var streams = new PerStreamState<RunTracker>(quiet, clock);
            return estimates
                // A throw inside Select reaches the subscriber as OnError, which is how an unknown label is reported.
                .Select(estimate => streams.Update(estimate, (tracker, e) => tracker.Next(e, label, threshold, duration)).Alert)
                .OfType<EmotionAlert>();   // drops the hops that raised nothing
        });
    }

    private static TimeSpan ValidForgetAfter(TimeSpan? forgetAfter, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(forgetAfter))] string? name = null)
    {
        var quiet = forgetAfter ?? DefaultForgetAfter;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(quiet, TimeSpan.Zero, name);
        return quiet;
    }

    /// <summary>One stream's hysteresis state for <see cref="LabelChanges"/>; <see cref="Change"/> is what the last estimate confirmed.</summary>
    private readonly record struct LabelTracker(string? Current, string? Candidate, int CandidateHops, LabelChange? Change)
    {
        public LabelTracker Next(EmotionEstimate estimate, float minConfidence, int confirmHops)
        {
            // Negated so a NaN confidence fails the threshold too ('<' is false for NaN).
            if (!(estimate.Confidence >= minConfidence) || string.Equals(estimate.Label, Current, StringComparison.Ordinal))
                return new LabelTracker(Current, null, 0, null);

            int hops = string.Equals(estimate.Label, Candidate, StringComparison.Ordinal) ? CandidateHops + 1 : 1;
            if (hops < confirmHops)
                return new LabelTracker(Current, estimate.Label, hops, null);

            var change = new LabelChange(estimate.StreamId, Current, estimate.Label, estimate.AudioEnd, estimate.Confidence, estimate.Sequence);
            return new LabelTracker(estimate.Label, null, 0, change);
        }
    }

    /// <summary>
    /// One stream's run state for <see cref="SustainedEmotion"/>: the run's start, sum and count (0 = no run), whether
    /// it already alerted, and <see cref="Alert"/>, what the last estimate raised.
    /// </summary>
    private readonly record struct RunTracker(TimeSpan Since, double ProbabilitySum, int Count, bool Alerted, EmotionAlert? Alert)
    {
        public RunTracker Next(EmotionEstimate estimate, string label, float threshold, TimeSpan duration)
        {
            float probability = estimate.SmoothedProbabilities[IndexOf(estimate.Labels, label)];
            // Negated so a NaN probability breaks the run too ('<' is false for NaN).
            if (!(probability >= threshold))
                return default;

            var since = Count == 0 ? estimate.AudioEnd : Since;
            double sum = ProbabilitySum + probability;
            int count = Count + 1;
            if (Alerted || estimate.AudioEnd - since < duration)
                return new RunTracker(since, sum, count, Alerted, null);

            var alert = new EmotionAlert(estimate.StreamId, label, threshold, since, estimate.AudioEnd, (float)(sum / count));
            return new RunTracker(since, sum, count, true, alert);
        }

        private static int IndexOf(IReadOnlyList<string> labels, string label)
        {
            for (int i = 0; i < labels.Count; i++)
            {
                if (string.Equals(labels[i], label, StringComparison.Ordinal))
                    return i;
            }
            throw new ArgumentException($"Label '{label}' is not one of the estimate's labels [{string.Join(", ", labels)}].", nameof(label));
        }
    }
}
