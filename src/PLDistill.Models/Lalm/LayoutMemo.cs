namespace PLDistill.Models.Lalm;

/// <summary>
/// A small memo of attention layouts built on the host, keyed by the integers that decide them. Inference, streaming hops
/// and fixed-length training crops ask for the same few layouts over and over; each is tens of KB of managed arrays (and
/// TorchSharp copies an array again to make a tensor of it), which every pass would otherwise allocate and the garbage
/// collector collect: more collections, a longer latency tail. What it hands out is shared: callers only read it.
/// </summary>
/// <param name="sizeOf">The bytes one layout holds.</param>
/// <param name="budgetBytes">What the kept layouts may hold together; past it the memo starts over. The default is far
/// above what steady streaming or fixed-length training crops keep (a few hundred KB) and small beside a model's own
/// memory, so only evaluation over clips of many lengths ever starts over.</param>
internal sealed class LayoutMemo<T>(Func<T, long> sizeOf, long budgetBytes = 16 << 20) where T : class
{
    private readonly Dictionary<Key, T> entries = [];
    private readonly Lock gate = new();
    private long heldBytes;

    /// <summary>The layout for <paramref name="decidingValues"/>, built by <paramref name="build"/> the first time.</summary>
    public T GetOrAdd(long[] decidingValues, Func<T> build)
    {
        var key = new Key(decidingValues);
        lock (gate)
        {
            if (entries.TryGetValue(key, out var hit))
                return hit;
        }
        T made;
        // A kept layout outlives the mode it was first asked for in: built in inference mode it would be an inference
        // tensor, which a later training pass may not save for backward (index_select saves its index). Build it normal.
        using (TorchSharp.torch.inference_mode(false))
            made = build();
        long size = sizeOf(made);
        lock (gate)
        {
            if (heldBytes + size > budgetBytes)
            {
                entries.Clear();   // a workload of many shapes (evaluation of clips of every length) starts over rather than grows
                heldBytes = 0;
            }
            if (size <= budgetBytes && entries.TryAdd(key, made))
                heldBytes += size;
        }
        return made;
    }

    private sealed class Key(long[] values) : IEquatable<Key>
    {
        private readonly int hash = Hash(values);

        public bool Equals(Key? other) => other is not null && other.hash == hash && other.values.AsSpan().SequenceEqual(values);

        public override bool Equals(object? obj) => Equals(obj as Key);

        public override int GetHashCode() => hash;

        private readonly long[] values = values;

        private static int Hash(long[] values)
        {
            var hash = new HashCode();
            foreach (long value in values)
                hash.Add(value);
            return hash.ToHashCode();
        }
    }
}
