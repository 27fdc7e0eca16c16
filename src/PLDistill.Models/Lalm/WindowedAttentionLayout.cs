namespace PLDistill.Models.Lalm;

/// <summary>
/// Who may attend to whom in the streaming student's LM over [prompt (P); audio (Ta); suffix (Q)], and how far apart the
/// timeline tokens are, computed on the host for a whole batch. The rules, per clip of audio length L:
/// <list type="bullet">
/// <item>timeline positions: audio token t at t, suffix token j at L + j; the prompt sits outside the timeline;</item>
/// <item>prompt tokens see earlier prompt tokens only;</item>
/// <item>every timeline token sees the whole prompt;</item>
/// <item>an audio key k is seen by a query whose last visible audio step e (its own position; for a suffix query, L − 1)
/// satisfies e − W &lt; k ≤ e, and only if k &lt; L (padding is never seen);</item>
/// <item>a suffix key is seen by suffix queries at or after it.</item>
/// </list>
/// Plain loops over small integers: one pass of a few thousand pairs per clip, where the same rules as tensor
/// operations took about 45 libtorch calls per forward pass (README, "Size and speed").
/// </summary>
public static class WindowedAttentionLayout
{
    /// <summary>
    /// <c>Blocked</c>, (B, S, S) row-major, S = P + Ta + Q: true where query i may not attend to key j; and
    /// <c>Distances</c>, (B, T, T) row-major over the timeline tokens (T = Ta + Q): query position minus key position.
    /// </summary>
    /// <exception cref="ArgumentException">A length is outside [0, Ta], or a size or the window is not positive.</exception>
    public static (bool[] Blocked, long[] Distances) Build(int prefix, int audioSteps, int suffix, IReadOnlyList<long> lengths, int window)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(audioSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(suffix);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        int steps = prefix + audioSteps + suffix, timeline = audioSteps + suffix, batch = lengths.Count;
        var blocked = new bool[(long)batch * steps * steps];
        var distances = new long[(long)batch * timeline * timeline];
        var position = new long[timeline];
        for (int b = 0; b < batch; b++)
        {
            long length = lengths[b];
            if (length < 0 || length > audioSteps)
                throw new ArgumentException($"clip {b} has {length} audio steps; the batch holds {audioSteps}", nameof(lengths));
            for (int t = 0; t < timeline; t++)
                position[t] = t < audioSteps ? t : length + (t - audioSteps);

            long clip = (long)b * steps * steps;
            for (int i = 0; i < prefix; i++)                      // prompt rows: causal among the prompt, never the timeline
                for (int j = 0; j < steps; j++)
                    blocked[clip + (long)i * steps + j] = j > i;
            for (int i = 0; i < timeline; i++)                    // timeline rows: the whole prompt, then the rules above
            {
                bool querySuffix = i >= audioSteps;
                long lastAudio = querySuffix ? length - 1 : position[i];
                long row = clip + (long)(prefix + i) * steps + prefix;
                long distanceRow = ((long)b * timeline + i) * timeline;
                for (int k = 0; k < timeline; k++)
                {
                    bool seen = k < audioSteps
                        ? k < length && position[k] <= lastAudio && position[k] > lastAudio - window
                        : querySuffix && k <= i;
                    blocked[row + k] = !seen;
                    distances[distanceRow + k] = position[i] - position[k];
                }
            }
        }
        return (blocked, distances);
    }

    /// <summary>
    /// The same rules for <see cref="LanguageModel.Step"/>, where stream b continues after <c>first[b]</c> audio tokens with
    /// <c>counts[b]</c> new ones. Queries (rows): the new audio, right-padded to the most new tokens n, then the Q suffix
    /// tokens. Keys (columns): the prompt (P), each stream's cached audio right-aligned in m columns (it holds
    /// <c>cached[b]</c> ≤ m, padded at the front), the new audio (n) and the suffix (Q).
    /// Returns <c>Blocked</c> (B, n + Q, P + m + n + Q) and <c>Distances</c> (B, n + Q, m + n + Q), query position minus
    /// key position over the non-prompt keys, both row-major.
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length, or a count is negative or above n, or a cache above m.</exception>
    public static (bool[] Blocked, long[] Distances) BuildForStep(int prefix, int suffix, IReadOnlyList<long> first,
        IReadOnlyList<long> counts, IReadOnlyList<long> cached, int window)
    {
        if (first.Count != counts.Count || counts.Count != cached.Count)
            throw new ArgumentException($"{first.Count} stream positions, {counts.Count} new counts and {cached.Count} cache sizes", nameof(counts));
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        int batch = counts.Count, widest = (int)counts.DefaultIfEmpty(0).Max(), deepest = (int)cached.DefaultIfEmpty(0).Max();
        int rows = widest + suffix, keys = deepest + widest + suffix, columns = prefix + keys;
        var blocked = new bool[(long)batch * rows * columns];
        var distances = new long[(long)batch * rows * keys];
        var keyPosition = new long[keys];
        for (int b = 0; b < batch; b++)
        {
            long start = first[b], count = counts[b], held = cached[b], total = start + count;
            if (count < 0 || held < 0)
                throw new ArgumentException($"stream {b} has {count} new tokens and {held} cached; neither may be negative", nameof(counts));
            for (int k = 0; k < keys; k++)
                keyPosition[k] = k < deepest ? start - deepest + k : k < deepest + widest ? start + (k - deepest) : total + (k - deepest - widest);
            for (int i = 0; i < rows; i++)
            {
                bool querySuffix = i >= widest;
                long queryPosition = querySuffix ? total + (i - widest) : start + i;
                long lastAudio = querySuffix ? total - 1 : queryPosition;
                long row = ((long)b * rows + i) * columns;
                long distanceRow = ((long)b * rows + i) * keys;
                for (int k = 0; k < keys; k++)
                {
                    bool seen;
                    if (k < deepest + widest)
                    {
                        bool real = k < deepest ? k + held >= deepest : k - deepest < count;   // cached: right-aligned; new: before padding
                        seen = real && keyPosition[k] <= lastAudio && keyPosition[k] > lastAudio - window;
                    }
                    else
                        seen = querySuffix && keyPosition[k] <= queryPosition;
                    blocked[row + prefix + k] = !seen;
                    distances[distanceRow + k] = queryPosition - keyPosition[k];
                }
            }
        }
        return (blocked, distances);
    }
}
