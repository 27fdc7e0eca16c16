using PLDistill.Models.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace PLDistill.Models.Lalm;

/// <summary>Additive attention masks: 0 where a query may look, <see cref="Blocked"/> where it may not.</summary>
public static class AttentionMasks
{
    /// <summary>A large negative score instead of −∞, so a row with no allowed key yields uniform weights, never NaN.</summary>
    public const float Blocked = -1e9f;

    /// <summary><see cref="Blocked"/> as a Scalar kept for the process (see <see cref="KeptScalars"/>).</summary>
    public static readonly Scalar BlockedScore = Blocked.ToScalar();

    /// <summary>
    /// Query i may see key j when 0 ≤ pos(i) − pos(j) ≤ <paramref name="leftContext"/> (sliding causal window),
    /// or always when <paramref name="leftContext"/> is null (full context). Returns bool (Tq, Tk).
    /// </summary>
    public static Tensor Window(Tensor queryPositions, Tensor keyPositions, int? leftContext)
    {
        if (leftContext is null)
            return ones(queryPositions.size(0), keyPositions.size(0), dtype: @bool, device: queryPositions.device);
        using var distance = queryPositions.unsqueeze(1) - keyPositions.unsqueeze(0);
        using var notFuture = distance.IsAtLeast(0);
        using var recent = distance.IsAtMost(leftContext.Value);
        return notFuture.logical_and(recent);
    }

    /// <summary>
    /// <see cref="Window"/> and <see cref="ValidSteps"/> together, computed on the host for a batch over positions
    /// 0..T−1: (B, T, T) row-major, true where query i may not see key j (j − i outside the window, or j past the clip's
    /// length). One upload instead of about sixteen libtorch calls per pass.
    /// </summary>
    /// <exception cref="ArgumentException">A length is outside [0, <paramref name="steps"/>].</exception>
    public static bool[] BlockedPairs(int steps, int? leftContext, IReadOnlyList<long> lengths)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var blocked = new bool[(long)lengths.Count * steps * steps];
        for (int b = 0; b < lengths.Count; b++)
        {
            long length = lengths[b];
            if (length < 0 || length > steps)
                throw new ArgumentException($"clip {b} has {length} steps; the batch holds {steps}", nameof(lengths));
            for (int i = 0; i < steps; i++)
            {
                long row = ((long)b * steps + i) * steps;
                for (int j = 0; j < steps; j++)
                    blocked[row + j] = j >= length || (leftContext is int window && (i - j < 0 || i - j > window));
            }
        }
        return blocked;
    }

    /// <summary>
    /// <see cref="BlockedPairs"/> as a bool tensor (B, 1, T, T) on <paramref name="device"/>, shared by every pass of the
    /// same sizes there (see <see cref="LayoutMemo{T}"/>): read it, never dispose it (it belongs to the memo, or when the
    /// memo is full to the caller's dispose scope).
    /// </summary>
    public static Tensor BlockedPairsTensor(int steps, int? leftContext, long[] lengths, Device device) =>
        EncoderLayouts.GetOrAdd([(long)device.type, device.index, steps, leftContext ?? -1, .. lengths],
            () => tensor(BlockedPairs(steps, leftContext, lengths), [lengths.Length, 1, steps, steps], device: device));

    /// <summary>
    /// The same rules for <see cref="AudioEncoder.Step(IReadOnlyList{Tensor}, IReadOnlyList{EncoderStreamState})"/>, computed on
    /// the host: queries are the T new frames (rows, at batch positions past..past+T−1), keys are past + T columns: stream
    /// a's cached frames right-aligned in the first <paramref name="past"/> (it holds <c>cached[a]</c>), then its new frames
    /// (the first <c>counts[a]</c> of the T; the rest is padding). Returns (A, T, past + T) row-major, true where query i
    /// may not see key j: j is not one of the stream's real frames, or i − j is outside the causal window.
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length, or a stream holds more frames than the batch does.</exception>
    public static bool[] BlockedPairsForStep(int past, int steps, int window, IReadOnlyList<long> cached, IReadOnlyList<long> counts)
    {
        if (cached.Count != counts.Count)
            throw new ArgumentException($"{cached.Count} cache sizes and {counts.Count} new counts", nameof(cached));
        ArgumentOutOfRangeException.ThrowIfNegative(past);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        int keys = past + steps;
        var blocked = new bool[(long)counts.Count * steps * keys];
        for (int a = 0; a < counts.Count; a++)
        {
            if (cached[a] < 0 || cached[a] > past || counts[a] < 0 || counts[a] > steps)
                throw new ArgumentException($"stream {a} holds {cached[a]} cached and {counts[a]} new frames; the batch holds {past} and {steps}", nameof(cached));
            long firstReal = past - cached[a], pastLastReal = past + counts[a];
            for (int i = 0; i < steps; i++)
            {
                long row = ((long)a * steps + i) * keys;
                for (int j = 0; j < keys; j++)
                {
                    long distance = past + i - j;
                    blocked[row + j] = j < firstReal || j >= pastLastReal || distance < 0 || distance > window;
                }
            }
        }
        return blocked;
    }

    /// <summary>
    /// <see cref="BlockedPairsForStep"/> as a bool tensor (A, 1, T, past + T) on <paramref name="device"/>, shared like
    /// <see cref="BlockedPairsTensor"/>: read it, never dispose it.
    /// </summary>
    public static Tensor BlockedPairsForStepTensor(int past, int steps, int window, long[] cached, long[] counts, Device device) =>
        EncoderStepLayouts.GetOrAdd([(long)device.type, device.index, past, steps, window, .. cached, .. counts],
            () => tensor(BlockedPairsForStep(past, steps, window, cached, counts), [counts.Length, 1, steps, past + steps], device: device));

    private static readonly LayoutMemo<Tensor> EncoderLayouts = new(sizeOf: blocked => blocked.numel(), adopt: blocked => blocked.DetachFromDisposeScope());
    private static readonly LayoutMemo<Tensor> EncoderStepLayouts = new(sizeOf: blocked => blocked.numel(), adopt: blocked => blocked.DetachFromDisposeScope());

    /// <summary>bool (B, T): true for the first lengths[b] steps of each row.</summary>
    public static Tensor ValidSteps(Tensor lengths, long steps)
    {
        using var range = KeptScalarOperations.Positions(steps, lengths.device);
        return range.unsqueeze(0).lt(lengths.unsqueeze(1));
    }

    /// <summary>
    /// Combines an allowed-pairs mask (Tq, Tk) and valid keys (B, Tk) into an additive mask (B, 1, Tq, Tk) of
    /// <paramref name="dtype"/>, the attention scores' type (<see cref="Blocked"/> is within bfloat16's range too).
    /// </summary>
    public static Tensor Additive(Tensor allowedPairs, Tensor validKeys, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var allowed = allowedPairs.unsqueeze(0).logical_and(validKeys.unsqueeze(1));          // (B, Tq, Tk)
        var mask = zeros_like(allowed, dtype: dtype).masked_fill(allowed.logical_not(), BlockedScore);
        return mask.unsqueeze(1).MoveToOuterDisposeScope();
    }
}
