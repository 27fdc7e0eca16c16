namespace PLDistill.Models.Lalm;

/// <summary>
/// A small memo of attention layouts built on the host, keyed by the integers that decide them. Inference, streaming hops
/// and fixed-length training crops ask for the same few layouts over and over; each is tens of KB of managed arrays (and
/// TorchSharp copies an array again to make a tensor of it), which every pass would otherwise allocate and the garbage
/// collector collect: more collections, a longer latency tail. What it hands out is shared: callers only read it.
/// </summary>
/// <remarks>
/// The memo keeps the first layouts it is asked for while it has room (<paramref name="maxEntries"/> and
/// <paramref name="budgetBytes"/>), and keeps them for good; once it is full, a new layout is built and handed out
/// without being kept: it stays in the caller's dispose scope and is freed with the pass, as it would be with no memo.
/// It never drops what it keeps, because a dropped layout could not be disposed (another pass may be reading it) and
/// would wait for a full garbage collection to free its native memory: when the memo used to start over on filling, a
/// server whose batches mix streams at many fill levels (a new layout almost every pass) grew its resident memory by
/// about 3 MB a minute in a soak (<c>pld-loadtest --soak</c>).
/// </remarks>
/// <param name="sizeOf">The bytes one layout holds.</param>
/// <param name="adopt">Takes a layout the memo keeps out of the caller's dispose scope (tensors: DetachFromDisposeScope).</param>
/// <param name="budgetBytes">What the kept layouts may hold together; far above what steady streaming or fixed-length
/// training crops keep (a few hundred KB) and small beside a model's own memory.</param>
/// <param name="maxEntries">How many layouts it keeps at most.</param>
internal sealed class LayoutMemo<T>(Func<T, long> sizeOf, Action<T> adopt, long budgetBytes = 16 << 20, int maxEntries = 512) where T : class
{
    private readonly Dictionary<Key, T> entries = [];
    private readonly Lock gate = new();
    private long heldBytes;

    /// <summary>Layouts kept.</summary>
    public int Count
    {
        get
        {
            lock (gate)
                return entries.Count;
        }
    }

    /// <summary>
    /// The layout for <paramref name="decidingValues"/>: the kept one, or one <paramref name="build"/> makes now in the
    /// caller's dispose scope (and the memo keeps, if it has room).
    /// </summary>
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
            if (entries.Count < maxEntries && heldBytes + size <= budgetBytes && entries.TryAdd(key, made))
            {
                heldBytes += size;
                adopt(made);
            }
            else if (entries.TryGetValue(key, out var raced))
            {
                return raced;   // another pass kept the same layout meanwhile; ours stays in our scope
            }
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
