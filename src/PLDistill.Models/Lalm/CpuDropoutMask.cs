using System.Numerics;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace PLDistill.Models.Lalm;

/// <summary>
/// Dropout's scaled keep mask for a CPU tensor, drawn in managed code: each element is 1/(1−p) with probability 1−p, else 0.
/// </summary>
/// <remarks>
/// libtorch's CPU dropout draws every element from one mt19937 generator, one after another: 6–16 ns an element on the
/// 2-core machine, so the masks of a student's training forward (about 14 million elements at batch 32) took half of
/// it, while multiplying by a mask costs about 0.1 ms per million. Here each block of <see cref="ChunkLength"/> elements has
/// its own xoshiro256** stream, seeded from one draw of torch's default generator and the block's index: the mask is
/// the same whatever the thread count, and <c>manual_seed</c> still makes a run repeatable. A keep decision reads 16
/// random bits, so the drop rate is p rounded to 1/65,536.
/// </remarks>
internal static class CpuDropoutMask
{
    /// <summary>Elements per random stream (and per parallel work item).</summary>
    internal const int ChunkLength = 1 << 16;

    /// <summary>The largest mask drawn here; a bigger tensor takes libtorch's dropout (a span's length is an int).</summary>
    internal const long MaxElements = int.MaxValue / sizeof(float);

    /// <summary>A float32 CPU tensor of <paramref name="shape"/>: 1/(1−p) where an element is kept, 0 where dropped.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is not in (0, 1), or the mask is too large.</exception>
    public static Tensor Draw(long[] shape, double p)
    {
        if (!(p > 0 && p < 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, "a drop probability in (0, 1)");
        long count = shape.Aggregate(1L, (product, size) => product * size);
        if (count > MaxElements)
            throw new ArgumentOutOfRangeException(nameof(shape), count, $"at most {MaxElements} elements");
        ulong seed;
        using (var draw = randint(long.MaxValue, [1], dtype: int64))
            seed = (ulong)draw.item<long>();

        var mask = empty(shape, dtype: float32);
        ushort threshold = (ushort)Math.Min(ushort.MaxValue, Math.Round(p * 65536));
        float keep = (float)(1 / (1 - p));
        int chunks = (int)((count + ChunkLength - 1) / ChunkLength);
        var parallelism = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, get_num_threads()) };
        var values = mask.bytes;   // the tensor's own memory
        unsafe
        {
            fixed (byte* start = values)
            {
                var address = (IntPtr)start;
                Parallel.For(0, chunks, parallelism, chunk =>
                {
                    int first = chunk * ChunkLength;
                    int length = (int)Math.Min(ChunkLength, count - first);
                    var span = new Span<float>((float*)address + first, length);
                    Fill(span, new Xoshiro256StarStar(seed, (ulong)chunk), threshold, keep);
                });
            }
        }
        return mask;
    }

    /// <summary>
    /// Fills <paramref name="span"/> from <paramref name="random"/>: 16 bits per element, kept (<paramref name="keep"/>)
    /// where they are at least <paramref name="threshold"/>. The bits come a block at a time and are compared in SIMD
    /// lanes without a branch (a branch on a random bit is mispredicted p of the time).
    /// </summary>
    private static void Fill(Span<float> span, Xoshiro256StarStar random, ushort threshold, float keep)
    {
        const int BlockElements = 1024;
        Span<ulong> block = stackalloc ulong[BlockElements / 4];
        var bits = MemoryMarshal.Cast<ulong, ushort>(block);
        var output = MemoryMarshal.Cast<float, uint>(span);
        var limit = new Vector<uint>(threshold);
        var kept = new Vector<uint>(BitConverter.SingleToUInt32Bits(keep));
        for (int start = 0; start < output.Length; start += BlockElements)
        {
            random.Fill(block);
            var destination = output.Slice(start, Math.Min(BlockElements, output.Length - start));
            int j = 0;
            for (; j + Vector<ushort>.Count <= destination.Length; j += Vector<ushort>.Count)
            {
                Vector.Widen(new Vector<ushort>(bits.Slice(j)), out var low, out var high);
                (Vector.GreaterThanOrEqual(low, limit) & kept).CopyTo(destination.Slice(j));
                (Vector.GreaterThanOrEqual(high, limit) & kept).CopyTo(destination.Slice(j + Vector<uint>.Count));
            }
            for (; j < destination.Length; j++)
                destination[j] = bits[j] >= threshold ? kept[0] : 0u;
        }
    }
}
