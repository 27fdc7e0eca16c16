using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using PLDistill.Streaming.Engine;
using PLDistill.Streaming.Observables;

namespace PLDistill.Streaming.Tests.Observables;

public sealed class EmotionObservablesTests
{
    private static readonly string[] Labels = ["neutral", "happy", "sad", "angry"];
    private static readonly TimeSpan Hop = TimeSpan.FromMilliseconds(250);

    /// <summary>An estimate whose hop ends at (sequence + 1) hops, with the given smoothed probabilities over <see cref="Labels"/>.</summary>
    private static EmotionEstimate Estimate(string streamId, long sequence, float[] smoothed)
    {
        int best = Array.IndexOf(smoothed, smoothed.Max());
        var end = Hop * (sequence + 1);
        return new EmotionEstimate
        {
            StreamId = streamId,
            Sequence = sequence,
            AudioStart = end > TimeSpan.FromSeconds(3) ? end - TimeSpan.FromSeconds(3) : TimeSpan.Zero,
            AudioEnd = end,
            Label = Labels[best],
            Labels = Labels,
            Probabilities = smoothed,
            SmoothedProbabilities = smoothed,
            Confidence = smoothed[best],
            ModelLatency = TimeSpan.FromMilliseconds(5),
            EndToEndLatency = TimeSpan.FromMilliseconds(8),
        };
    }

    /// <summary>An estimate where <paramref name="label"/> has probability <paramref name="p"/> and the rest share the remainder.</summary>
    private static EmotionEstimate Peaked(string streamId, long sequence, string label, float p)
    {
        float rest = (1f - p) / (Labels.Length - 1);
        return Estimate(streamId, sequence, Labels.Select(l => l == label ? p : rest).ToArray());
    }

    /// <summary>One stream's estimates, peaked on each (label, probability) in turn.</summary>
    private static EmotionEstimate[] Stream(string streamId, params (string Label, float P)[] hops) =>
        hops.Select((hop, i) => Peaked(streamId, i, hop.Label, hop.P)).ToArray();

    /// <summary>One stream's estimates with the given smoothed probability of "angry" per hop (other labels share the rest).</summary>
    private static EmotionEstimate[] Angry(string streamId, params float[] p) =>
        p.Select((value, i) => Peaked(streamId, i, "angry", value)).ToArray();

    private static async Task<IList<T>> Collect<T>(IObservable<T> source) => await source.ToList();

    // ---- LabelChanges ----

    [Fact]
    public async Task The_first_confirmed_label_is_published_with_no_previous_label()
    {
        var changes = await Collect(Stream("a", ("happy", 0.7f), ("happy", 0.8f), ("happy", 0.8f)).ToObservable().LabelChanges());

        var change = Assert.Single(changes);
        Assert.Equal(new LabelChange("a", null, "happy", Hop * 2, 0.8f, 1), change);
    }

    [Fact]
    public async Task A_one_hop_blip_does_not_change_the_label()
    {
        var changes = await Collect(Stream("a",
            ("happy", 0.7f), ("happy", 0.7f),
            ("sad", 0.9f),                        // blip
            ("happy", 0.7f),
            ("sad", 0.9f),                        // another blip, not adjacent to the first
            ("happy", 0.7f), ("happy", 0.7f)).ToObservable().LabelChanges(confirmHops: 2));

        Assert.Equal(["happy"], changes.Select(c => c.To));
    }

    [Fact]
    public async Task A_change_held_for_confirm_hops_replaces_the_label_at_the_confirming_estimate()
    {
        var changes = await Collect(Stream("a",
            ("neutral", 0.6f), ("neutral", 0.6f), ("neutral", 0.6f),
            ("angry", 0.7f), ("angry", 0.75f), ("angry", 0.8f),
            ("angry", 0.8f)).ToObservable().LabelChanges(confirmHops: 3));

        Assert.Equal(2, changes.Count);
        Assert.Equal(new LabelChange("a", null, "neutral", Hop * 3, 0.6f, 2), changes[0]);
        Assert.Equal(new LabelChange("a", "neutral", "angry", Hop * 6, 0.8f, 5), changes[1]);
    }

    [Fact]
    public async Task A_low_confidence_hop_resets_the_candidate_run()
    {
        var changes = await Collect(Stream("a",
            ("neutral", 0.6f), ("neutral", 0.6f),
            ("sad", 0.6f), ("sad", 0.45f), ("sad", 0.6f),   // the middle one is below minConfidence: no two in a row
            ("sad", 0.6f)).ToObservable().LabelChanges(minConfidence: 0.5f, confirmHops: 2));

        Assert.Equal(2, changes.Count);
        Assert.Equal("sad", changes[1].To);
        Assert.Equal(5, changes[1].Sequence);
    }

    [Fact]
    public async Task A_low_confidence_stream_confirms_nothing()
    {
        var changes = await Collect(Stream("a", ("happy", 0.4f), ("happy", 0.4f), ("happy", 0.4f)).ToObservable().LabelChanges(minConfidence: 0.5f));

        Assert.Empty(changes);
    }

    [Fact]
    public async Task A_NaN_confidence_never_confirms_a_label_and_breaks_the_candidate_run()
    {
        var estimates = Stream("a", ("happy", 0.7f), ("happy", 0.7f), ("happy", 0.7f), ("sad", 0.7f), ("sad", 0.7f), ("sad", 0.7f));
        estimates[0] = estimates[0] with { Confidence = float.NaN };   // alone, confirms nothing
        estimates[4] = estimates[4] with { Confidence = float.NaN };   // splits the sad run into 1 + 1

        var changes = await Collect(estimates.ToObservable().LabelChanges(minConfidence: 0.5f, confirmHops: 2));

        var change = Assert.Single(changes);
        Assert.Equal(new LabelChange("a", null, "happy", Hop * 3, 0.7f, 2), change);
    }

    [Fact]
    public async Task One_confirm_hop_follows_every_confident_estimate()
    {
        var changes = await Collect(Stream("a", ("happy", 0.7f), ("sad", 0.7f), ("sad", 0.7f), ("happy", 0.7f)).ToObservable().LabelChanges(confirmHops: 1));

        Assert.Equal(["happy", "sad", "happy"], changes.Select(c => c.To));
        Assert.Equal([null, "happy", "sad"], changes.Select(c => c.From));
    }

    [Fact]
    public async Task Interleaved_streams_keep_independent_state()
    {
        var a = Stream("a", ("happy", 0.7f), ("happy", 0.7f), ("sad", 0.7f), ("sad", 0.7f));
        var b = Stream("b", ("sad", 0.7f), ("angry", 0.7f), ("angry", 0.7f), ("angry", 0.7f));
        // Merged as a0 b0 a1 b1 ...: were the state shared, no two consecutive estimates would agree and nothing would be confirmed.
        var merged = a.Zip(b).SelectMany(pair => new[] { pair.First, pair.Second });

        var changes = await Collect(merged.ToObservable().LabelChanges(confirmHops: 2));

        Assert.Equal(
            [
                new LabelChange("a", null, "happy", Hop * 2, 0.7f, 1),
                new LabelChange("b", null, "angry", Hop * 3, 0.7f, 2),
                new LabelChange("a", "happy", "sad", Hop * 4, 0.7f, 3),
            ],
            changes);
    }

    [Fact]
    public async Task A_reused_stream_id_starts_with_no_confirmed_label()
    {
        // The engine reuses "a" once the first stream has ended: the second stream's first label has no predecessor.
        var first = Stream("a", ("happy", 0.7f), ("happy", 0.7f));
        var second = Stream("a", ("sad", 0.7f), ("sad", 0.7f));

        var changes = await Collect(first.Concat(second).ToObservable().LabelChanges(confirmHops: 2));

        Assert.Equal([new LabelChange("a", null, "happy", Hop * 2, 0.7f, 1), new LabelChange("a", null, "sad", Hop * 2, 0.7f, 1)], changes);
    }

    [Fact]
    public async Task A_stream_quiet_for_forget_after_is_forgotten()
    {
        var clock = new HistoricalScheduler();
        using var source = new Subject<EmotionEstimate>();
        var changes = new List<LabelChange>();
        using var subscription = source.LabelChanges(confirmHops: 2, forgetAfter: TimeSpan.FromMinutes(1), scheduler: clock).Subscribe(changes.Add);

        source.OnNext(Peaked("a", 0, "happy", 0.7f));
        source.OnNext(Peaked("a", 1, "happy", 0.7f));
        clock.AdvanceBy(TimeSpan.FromSeconds(59));
        source.OnNext(Peaked("a", 2, "sad", 0.7f));    // within a minute: remembered, "happy" is the current label
        source.OnNext(Peaked("a", 3, "sad", 0.7f));
        clock.AdvanceBy(TimeSpan.FromMinutes(1));
        source.OnNext(Peaked("b", 0, "angry", 0.7f));  // any estimate sweeps: "a" has been quiet for a minute
        source.OnNext(Peaked("a", 4, "happy", 0.7f));
        source.OnNext(Peaked("a", 5, "happy", 0.7f));

        Assert.Equal([(null, "happy"), ("happy", "sad"), (null, "happy")], changes.Select(c => (c.From, c.To)));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-0.1f)]
    [InlineData(1.01f)]
    [InlineData(float.NaN)]
    public void LabelChanges_rejects_a_min_confidence_outside_0_to_1(float minConfidence)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Observable.Never<EmotionEstimate>().LabelChanges(minConfidence: minConfidence));
        Assert.Equal("minConfidence", error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void LabelChanges_rejects_fewer_than_one_confirm_hop(int confirmHops)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Observable.Never<EmotionEstimate>().LabelChanges(confirmHops: confirmHops));
        Assert.Equal("confirmHops", error.ParamName);
    }

    [Fact]
    public void LabelChanges_accepts_the_boundaries_and_rejects_a_null_source()
    {
        Assert.NotNull(Observable.Never<EmotionEstimate>().LabelChanges(minConfidence: 1f, confirmHops: 1));
        var error = Assert.Throws<ArgumentNullException>(() => ((IObservable<EmotionEstimate>)null!).LabelChanges());
        Assert.Equal("estimates", error.ParamName);
    }

    // ---- SustainedEmotion ----

    [Fact]
    public async Task A_sustained_run_alerts_once_when_it_reaches_the_duration()
    {
        // Hops end at 0.25 s, 0.50 s, ...; the run starts at the second (0.50 s) and reaches 1 s at the sixth (1.50 s).
        var estimates = Angry("a", 0.2f, 0.7f, 0.7f, 0.8f, 0.9f, 0.7f, 0.7f, 0.8f, 0.9f, 0.7f);

        var alerts = await Collect(estimates.ToObservable().SustainedEmotion("angry", 0.6f, TimeSpan.FromSeconds(1)));

        var alert = Assert.Single(alerts);
        Assert.Equal("a", alert.StreamId);
        Assert.Equal("angry", alert.Label);
        Assert.Equal(0.6f, alert.Threshold);
        Assert.Equal(TimeSpan.FromSeconds(0.5), alert.Since);
        Assert.Equal(TimeSpan.FromSeconds(1.5), alert.At);
        Assert.Equal((0.7f + 0.7f + 0.8f + 0.9f + 0.7f) / 5, alert.MeanProbability, 1e-6f);
    }

    [Fact]
    public async Task A_probability_equal_to_the_threshold_counts_as_held()
    {
        var alerts = await Collect(Angry("a", 0.6f, 0.6f, 0.6f).ToObservable().SustainedEmotion("angry", 0.6f, TimeSpan.FromSeconds(0.5)));

        Assert.Equal(TimeSpan.FromSeconds(0.75), Assert.Single(alerts).At);
    }

    [Fact]
    public async Task A_run_shorter_than_the_duration_does_not_alert()
    {
        // 0.50 s .. 1.25 s lasts 0.75 s, then a drop, then 0.75 s again: never 1 s without a break.
        var estimates = Angry("a", 0.2f, 0.7f, 0.7f, 0.7f, 0.7f, 0.5f, 0.7f, 0.7f, 0.7f, 0.7f);

        var alerts = await Collect(estimates.ToObservable().SustainedEmotion("angry", 0.6f, TimeSpan.FromSeconds(1)));

        Assert.Empty(alerts);
    }

    [Fact]
    public async Task The_alert_rearms_after_the_probability_falls_below_the_threshold()
    {
        var estimates = Angry("a",
            0.7f, 0.7f, 0.7f,          // 0.25 .. 0.75 s: alert at 0.75 s
            0.7f,                      // still the same run: nothing
            0.3f,                      // 1.25 s: below, re-arms
            0.9f, 0.9f, 0.9f);         // 1.50 .. 2.00 s: alert at 2.00 s

        var alerts = await Collect(estimates.ToObservable().SustainedEmotion("angry", 0.6f, TimeSpan.FromSeconds(0.5)));

        Assert.Equal(2, alerts.Count);
        Assert.Equal((TimeSpan.FromSeconds(0.25), TimeSpan.FromSeconds(0.75)), (alerts[0].Since, alerts[0].At));
        Assert.Equal((TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(2)), (alerts[1].Since, alerts[1].At));
        Assert.Equal(0.9f, alerts[1].MeanProbability, 1e-6f);
    }

    [Fact]
    public async Task A_NaN_probability_breaks_the_run_and_never_alerts()
    {
        // 0.25 .. 0.50 s, a NaN at 0.75 s, then 1.00 .. 1.25 s: no 0.5 s without a break. All NaN: no run at all.
        var broken = Angry("a", 0.7f, 0.7f, float.NaN, 0.7f, 0.7f);
        var allNaN = Angry("b", float.NaN, float.NaN, float.NaN, float.NaN);

        var alerts = await Collect(broken.Concat(allNaN).ToObservable().SustainedEmotion("angry", 0.6f, TimeSpan.FromSeconds(0.5)));

        Assert.Empty(alerts);
    }

    [Fact]
    public async Task Sustained_runs_are_tracked_per_stream()
    {
        var a = Angry("a", 0.7f, 0.7f, 0.7f, 0.7f);
        var b = Angry("b", 0.7f, 0.1f, 0.7f, 0.1f);   // its drops would break a's run if the state were shared
        var merged = a.Zip(b).SelectMany(pair => new[] { pair.First, pair.Second });

        var alerts = await Collect(merged.ToObservable().SustainedEmotion("angry", 0.6f, TimeSpan.FromSeconds(0.5)));

        var alert = Assert.Single(alerts);
        Assert.Equal(("a", TimeSpan.FromSeconds(0.25), TimeSpan.FromSeconds(0.75)), (alert.StreamId, alert.Since, alert.At));
    }

    [Fact]
    public async Task A_reused_stream_id_starts_a_new_run()
    {
        // The first stream's run alerted and was still open when it ended; the second stream's run is its own.
        var first = Angry("a", 0.7f, 0.7f, 0.7f);
        var second = Angry("a", 0.8f, 0.8f, 0.8f);

        var alerts = await Collect(first.Concat(second).ToObservable().SustainedEmotion("angry", 0.6f, TimeSpan.FromSeconds(0.5)));

        Assert.Equal(2, alerts.Count);
        Assert.Equal((TimeSpan.FromSeconds(0.25), TimeSpan.FromSeconds(0.75), 0.8f), (alerts[1].Since, alerts[1].At, alerts[1].MeanProbability));
    }

    [Fact]
    public async Task An_unknown_label_ends_the_sequence_with_an_argument_error_naming_the_labels()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => Collect(Angry("a", 0.7f).ToObservable().SustainedEmotion("surprised", 0.6f, TimeSpan.FromSeconds(1))));

        Assert.Contains("'surprised'", error.Message, StringComparison.Ordinal);
        Assert.Contains("neutral, happy, sad, angry", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void SustainedEmotion_rejects_a_threshold_outside_0_to_1(float threshold)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Observable.Never<EmotionEstimate>().SustainedEmotion("angry", threshold, TimeSpan.FromSeconds(1)));
        Assert.Equal("threshold", error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-250)]
    public void SustainedEmotion_rejects_a_duration_that_is_not_positive(int milliseconds)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => Observable.Never<EmotionEstimate>().SustainedEmotion("angry", 0.6f, TimeSpan.FromMilliseconds(milliseconds)));
        Assert.Equal("duration", error.ParamName);
    }

    [Fact]
    public void SustainedEmotion_rejects_a_missing_label_or_source()
    {
        var never = Observable.Never<EmotionEstimate>();
        Assert.Equal("label", Assert.Throws<ArgumentException>(() => never.SustainedEmotion("", 0.6f, TimeSpan.FromSeconds(1))).ParamName);
        Assert.Equal("label", Assert.Throws<ArgumentNullException>(() => never.SustainedEmotion(null!, 0.6f, TimeSpan.FromSeconds(1))).ParamName);
        Assert.Equal("estimates", Assert.Throws<ArgumentNullException>(
            () => ((IObservable<EmotionEstimate>)null!).SustainedEmotion("angry", 0.6f, TimeSpan.FromSeconds(1))).ParamName);
        Assert.NotNull(never.SustainedEmotion("angry", 1f, TimeSpan.FromTicks(1)));
    }

    // ---- Rx contract, both operators ----

    public static TheoryData<string> Operators => ["LabelChanges", "SustainedEmotion"];

    private static IObservable<string> Apply(string op, IObservable<EmotionEstimate> source) => op switch
    {
        "LabelChanges" => source.LabelChanges(confirmHops: 2).Select(c => c.To),
        "SustainedEmotion" => source.SustainedEmotion("angry", 0.6f, TimeSpan.FromSeconds(0.25)).Select(a => a.Label),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    [Theory]
    [MemberData(nameof(Operators))]
    public void The_source_error_passes_through_after_the_results_so_far(string op)
    {
        using var source = new Subject<EmotionEstimate>();
        var results = new List<string>();
        Exception? received = null;
        bool completed = false;
        using var subscription = Apply(op, source).Subscribe(results.Add, e => received = e, () => completed = true);

        source.OnNext(Peaked("a", 0, "angry", 0.8f));
        source.OnNext(Peaked("a", 1, "angry", 0.8f));
        var failure = new InvalidOperationException("model crashed");
        source.OnError(failure);

        Assert.Equal(["angry"], results);
        Assert.Same(failure, received);
        Assert.False(completed);
    }

    [Theory]
    [MemberData(nameof(Operators))]
    public void The_source_completion_passes_through_with_runs_still_open(string op)
    {
        using var source = new Subject<EmotionEstimate>();
        bool completed = false;
        Exception? received = null;
        using var subscription = Apply(op, source).Subscribe(_ => { }, e => received = e, () => completed = true);

        source.OnNext(Peaked("a", 0, "angry", 0.8f));
        source.OnNext(Peaked("b", 0, "happy", 0.8f));
        Assert.False(completed);
        source.OnCompleted();

        Assert.True(completed);
        Assert.Null(received);
    }

    [Theory]
    [MemberData(nameof(Operators))]
    public void Unsubscribing_releases_the_source_and_stops_delivery(string op)
    {
        using var source = new Subject<EmotionEstimate>();
        var results = new List<string>();
        var subscription = Apply(op, source).Subscribe(results.Add);
        source.OnNext(Peaked("a", 0, "angry", 0.8f));
        Assert.True(source.HasObservers);

        subscription.Dispose();
        source.OnNext(Peaked("a", 1, "angry", 0.8f));

        Assert.False(source.HasObservers);
        Assert.Empty(results);
    }
}
