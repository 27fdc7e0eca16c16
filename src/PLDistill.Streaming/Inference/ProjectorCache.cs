using PLDistill.Models.Runtime;
using static TorchSharp.torch;

namespace PLDistill.Streaming.Inference;

/// <summary>
/// Per-stream ring buffers of projector outputs, all in one tensor on the model's device (GPU memory on CUDA).
/// Each slot is a mirrored ring of 2C frames: frame i is written at i mod C and at i mod C + C, so the last n ≤ C frames
/// are always one contiguous slice — reading a window is a view, never a copy, and never leaves the device.
/// </summary>
/// <remarks>Not thread-safe: the engine's single inference loop owns it.</remarks>
public sealed class ProjectorCache : IDisposable
{
    private readonly Tensor storage;     // (slots, 2C, D)
    private readonly long[] counts;      // frames ever appended per slot
    private readonly bool[] used;
    private readonly Stack<int> free;

    /// <summary>
    /// A cache of <paramref name="slots"/> streams × <paramref name="capacityFrames"/> frames × <paramref name="width"/>, in
    /// <paramref name="precision"/> (the model's: bfloat16 halves it).
    /// </summary>
    public ProjectorCache(int slots, int capacityFrames, int width, Device device, InferencePrecision precision = InferencePrecision.Float32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityFrames, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        Capacity = capacityFrames;
        Width = width;
        storage = zeros([slots, 2L * capacityFrames, width], dtype: precision.ScalarType(), device: device);
        counts = new long[slots];
        used = new bool[slots];
        free = new Stack<int>(Enumerable.Range(0, slots).Reverse());
    }

    /// <summary>Frames each slot holds (the LM window).</summary>
    public int Capacity { get; }

    /// <summary>Projector width.</summary>
    public int Width { get; }

    /// <summary>Total slots.</summary>
    public int Slots => counts.Length;

    /// <summary>Slots in use.</summary>
    public int SlotsInUse => Slots - free.Count;

    /// <summary>Device bytes one stream's slot occupies.</summary>
    public long BytesPerSlot => 2L * Capacity * Width * storage.element_size();

    /// <summary>Claims an empty slot for a new stream.</summary>
    /// <exception cref="InvalidOperationException">Every slot is taken (the engine maps this to "resource exhausted").</exception>
    public int Allocate()
    {
        if (free.Count == 0)
            throw new InvalidOperationException($"projector cache full: all {Slots} stream slots are in use");
        int slot = free.Pop();
        used[slot] = true;
        counts[slot] = 0;
        return slot;
    }

    /// <summary>Returns a stream's slot.</summary>
    public void Free(int slot)
    {
        Check(slot);
        used[slot] = false;
        free.Push(slot);
    }

    /// <summary>Frames appended to <paramref name="slot"/> since it was allocated.</summary>
    public long Count(int slot) => counts[Check(slot)];

    /// <summary>Appends projector outputs (t, D) on the cache's device; only the last C are kept.</summary>
    public void Append(int slot, Tensor frames)
    {
        Check(slot);
        long t = frames.size(0);
        if (t == 0)
            return;
        if (frames.size(1) != Width)
            throw new ArgumentException($"frames are {frames.size(1)} wide; the cache holds {Width}", nameof(frames));
        if (frames.dtype != storage.dtype)
            throw new ArgumentException($"frames are {frames.dtype}; the cache holds {storage.dtype} (the model's precision)", nameof(frames));
        using var scope = NewDisposeScope();
        var kept = t > Capacity ? frames.narrow(0, t - Capacity, Capacity) : frames;
        long first = counts[slot] + (t - kept.size(0));
        var ring = KeptScalarOperations.Positions(first, first + kept.size(0), storage.device).Modulo(Capacity);
        var slotStorage = storage[slot];
        slotStorage.index_copy_(0, ring, kept);
        slotStorage.index_copy_(0, ring.Plus(Capacity), kept);
        counts[slot] += t;
    }

    /// <summary>The last min(<paramref name="frames"/>, count, C) frames of <paramref name="slot"/> as a (n, D) view.</summary>
    public Tensor Window(int slot, int frames)
    {
        Check(slot);
        long n = Math.Min(Math.Min(frames, counts[slot]), Capacity);
        long end = counts[slot] % Capacity + Capacity;
        return storage[slot].narrow(0, end - n, n);
    }

    private int Check(int slot) =>
        slot >= 0 && slot < Slots && used[slot] ? slot : throw new ArgumentOutOfRangeException(nameof(slot), slot, "not an allocated cache slot");

    /// <inheritdoc />
    public void Dispose() => storage.Dispose();
}
