using static TorchSharp.torch;
using static PLDistill.Models.Runtime.FinalizerFreeOperations;

namespace PLDistill.Models.Lalm;

/// <summary>
/// Per layer, the keys and values of the last <see cref="Window"/> steps one stream's attention can still see,
/// (1, H, ≤ W, d), oldest first, on the model's device. The incremental encoder and the incremental LM both keep one; the
/// LM also keeps its prompt in one. Bounded however long the stream runs.
/// </summary>
/// <remarks>The cache owns its tensors: each append disposes what it replaces.</remarks>
public sealed class KeyValueCache : IDisposable
{
    private readonly Tensor?[] keys, values;

    /// <summary>An empty cache of <paramref name="layers"/> layers keeping the last <paramref name="window"/> steps.</summary>
    public KeyValueCache(int layers, int window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        keys = new Tensor?[layers];
        values = new Tensor?[layers];
        Window = window;
    }

    /// <summary>Layers cached.</summary>
    public int Layers => keys.Length;

    /// <summary>Steps kept per layer at most.</summary>
    public int Window { get; }

    /// <summary>Steps cached now (the same in every layer).</summary>
    public long Frames => keys[0]?.size(2) ?? 0;

    /// <summary>Bytes of device memory the cache holds now.</summary>
    public long Bytes => keys.Concat(values).Sum(t => t is null ? 0 : t.numel() * t.element_size());

    /// <summary>Layer <paramref name="layer"/>'s cached keys (1, H, n, d), or null before the first append.</summary>
    internal Tensor? Keys(int layer) => keys[layer];

    /// <summary>Layer <paramref name="layer"/>'s cached values (1, H, n, d), or null before the first append.</summary>
    internal Tensor? Values(int layer) => values[layer];

    /// <summary>Appends one layer's new keys and values (1, H, t, d) and keeps the last <see cref="Window"/>.</summary>
    internal void Append(int layer, Tensor newKeys, Tensor newValues)
    {
        keys[layer] = KeepLast(keys[layer], newKeys);
        values[layer] = KeepLast(values[layer], newValues);
    }

    private Tensor KeepLast(Tensor? cached, Tensor fresh)
    {
        using var scope = NewDisposeScope();
        var all = cached is null ? fresh : Concatenate([cached, fresh], 2);
        long keep = Math.Min(Window, all.size(2));
        // The cache outlives every caller's dispose scope: detach what it keeps; Dispose (or the next append) frees it.
        var kept = all.narrow(2, all.size(2) - keep, keep).contiguous().DetachFromDisposeScope();
        cached?.Dispose();
        return kept;
    }

    /// <summary>
    /// One layer of many streams' caches as a batch (B, H, <paramref name="steps"/>, d): each cache's steps at the end,
    /// zeros in front where it holds fewer. <paramref name="steps"/> ≥ 1 and at least one cache must hold steps.
    /// </summary>
    internal static (Tensor Keys, Tensor Values) LeftPadded(IReadOnlyList<KeyValueCache> caches, int layer, long steps)
    {
        var shape = caches.Select(c => c.keys[layer]).First(t => t is not null)!;
        Tensor Pad(Tensor? cached) => cached switch
        {
            null => zeros(1, shape.size(1), steps, shape.size(3), dtype: shape.dtype, device: shape.device),
            _ when cached.size(2) == steps => cached,
            _ => nn.functional.pad(cached, [0, 0, steps - cached.size(2), 0]),
        };
        return (Concatenate(caches.Select(c => Pad(c.keys[layer])).ToArray(), 0), Concatenate(caches.Select(c => Pad(c.values[layer])).ToArray(), 0));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in keys.Concat(values))
            t?.Dispose();
    }
}
