using static TorchSharp.torch;

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
/// Plain loops over small integers, where the same rules as tensor operations took about 45 libtorch calls per forward
/// pass (README, "Size and speed"); the model reads them as tensors built once per set of sizes and kept
/// (<see cref="ClipTensors"/>, <see cref="StepTensors"/>).
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
    /// The same rules for <see cref="LanguageModel.Step"/>, where stream b continues with <c>counts[b]</c> new audio tokens
    /// (where the stream stands does not matter: every rule and distance is relative). Queries (rows): the new audio, right-padded to the most new tokens n, then the Q suffix
    /// tokens. Keys (columns): the prompt (P), each stream's cached audio right-aligned in m columns (it holds
    /// <c>cached[b]</c> ≤ m, padded at the front), the new audio (n) and the suffix (Q).
    /// Returns <c>Blocked</c> (B, n + Q, P + m + n + Q) and <c>Distances</c> (B, n + Q, m + n + Q), query position minus
    /// key position over the non-prompt keys, both row-major.
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length, or a count is negative.</exception>
    public static (bool[] Blocked, long[] Distances) BuildForStep(int prefix, int suffix, IReadOnlyList<long> counts, IReadOnlyList<long> cached, int window)
    {
        if (counts.Count != cached.Count)
            throw new ArgumentException($"{counts.Count} new counts and {cached.Count} cache sizes", nameof(counts));
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        int batch = counts.Count, widest = (int)counts.DefaultIfEmpty(0).Max(), deepest = (int)cached.DefaultIfEmpty(0).Max();
        int rows = widest + suffix, keys = deepest + widest + suffix, columns = prefix + keys;
        var blocked = new bool[(long)batch * rows * columns];
        var distances = new long[(long)batch * rows * keys];
        var keyPosition = new long[keys];
        for (int b = 0; b < batch; b++)
        {
            long count = counts[b], held = cached[b], total = count;   // positions relative to the stream's first new token
            if (count < 0 || held < 0)
                throw new ArgumentException($"stream {b} has {count} new tokens and {held} cached; neither may be negative", nameof(counts));
            for (int k = 0; k < keys; k++)
                keyPosition[k] = k < deepest ? k - deepest : k < deepest + widest ? k - deepest : total + (k - deepest - widest);
            for (int i = 0; i < rows; i++)
            {
                bool querySuffix = i >= widest;
                long queryPosition = querySuffix ? total + (i - widest) : i;
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

    /// <summary>
    /// <see cref="Build"/> as tensors on <paramref name="device"/> (default CPU), shared by every pass of the same sizes
    /// there, so a pass neither builds nor copies them: Blocked bool (B, 1, S, S), Distances int64 (B, T, T). Read them,
    /// never dispose them: they belong to the memo, or (when it is full) to the caller's dispose scope.
    /// </summary>
    public static (Tensor Blocked, Tensor Distances) ClipTensors(int prefix, int audioSteps, int suffix, long[] lengths, int window, Device? device = null)
    {
        device ??= CPU;
        return ClipTensorLayouts.GetOrAdd([(long)device.type, device.index, prefix, audioSteps, suffix, window, .. lengths], () =>
        {
            var (blocked, distances) = Build(prefix, audioSteps, suffix, lengths, window);
            long steps = prefix + audioSteps + suffix, timeline = audioSteps + suffix;
            return new TensorLayout(tensor(blocked, [lengths.Length, 1, steps, steps], device: device),
                                    tensor(distances, [lengths.Length, timeline, timeline], device: device));
        }).Value;
    }

    /// <summary>
    /// <see cref="BuildForStep"/> as tensors on <paramref name="device"/>, shared like <see cref="ClipTensors"/>: Blocked bool
    /// (B, 1, n + Q, P + m + n + Q), Distances int64 (B, n + Q, m + n + Q).
    /// </summary>
    public static (Tensor Blocked, Tensor Distances) StepTensors(int prefix, int suffix, long[] counts, long[] cached, int window, Device? device = null)
    {
        device ??= CPU;
        return StepTensorLayouts.GetOrAdd([(long)device.type, device.index, prefix, suffix, window, .. counts, .. cached], () =>
        {
            var (blocked, distances) = BuildForStep(prefix, suffix, counts, cached, window);
            long rows = counts.DefaultIfEmpty(0).Max() + suffix, keys = cached.DefaultIfEmpty(0).Max() + rows;
            return new TensorLayout(tensor(blocked, [counts.Length, 1, rows, prefix + keys], device: device),
                                    tensor(distances, [counts.Length, rows, keys], device: device));
        }).Value;
    }

    // 16 MB each: inference and streaming use a handful of layouts; training crops of one length one per batch size.
    private static readonly LayoutMemo<TensorLayout> ClipTensorLayouts = new(sizeOf: TensorLayout.Bytes, adopt: TensorLayout.Adopt);
    private static readonly LayoutMemo<TensorLayout> StepTensorLayouts = new(sizeOf: TensorLayout.Bytes, adopt: TensorLayout.Adopt);

    private sealed record TensorLayout(Tensor Blocked, Tensor Distances)
    {
        public (Tensor Blocked, Tensor Distances) Value => (Blocked, Distances);

        public static long Bytes(TensorLayout layout) => layout.Blocked.numel() + layout.Distances.numel() * sizeof(long);

        public static void Adopt(TensorLayout layout)
        {
            layout.Blocked.DetachFromDisposeScope();
            layout.Distances.DetachFromDisposeScope();
        }
    }
}
