using PLDistill.Models.Runtime;
using PLDistill.Streaming.Inference;
using static TorchSharp.torch;

namespace PLDistill.Streaming.Tests.Inference;

public sealed class ProjectorCacheTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(75)]
    [InlineData(200)]
    public void The_window_is_always_the_last_frames_in_order(int chunk)
    {
        using var cache = new ProjectorCache(slots: 2, capacityFrames: 75, width: 4, CPU);
        int slot = cache.Allocate();
        using var all = KeptScalarOperations.Positions(0, 1000, CPU).to(float32).unsqueeze(1).expand(1000, 4).contiguous();   // frame i = [i, i, i, i]
        for (long at = 0; at < 1000; at += chunk)
        {
            long t = Math.Min(chunk, 1000 - at);
            cache.Append(slot, all.narrow(0, at, t));
            long count = at + t;
            using var window = cache.Window(slot, 75);
            long n = Math.Min(75, count);
            Assert.Equal(n, window.shape[0]);
            Assert.True(window.allclose(all.narrow(0, count - n, n), 0, 0), $"wrong window after {count} frames");
        }
    }

    [Fact]
    public void Slots_are_independent_reusable_and_bounded()
    {
        using var cache = new ProjectorCache(slots: 2, capacityFrames: 10, width: 3, CPU);
        int a = cache.Allocate(), b = cache.Allocate();
        cache.Append(a, ones(4, 3));
        cache.Append(b, ones(6, 3).Times(2));
        Assert.Equal(4, cache.Window(a, 10).shape[0]);
        Assert.Equal(2f, cache.Window(b, 10).max().item<float>());
        Assert.Throws<InvalidOperationException>(() => cache.Allocate());
        cache.Free(a);
        int again = cache.Allocate();
        Assert.Equal(0, cache.Count(again));
        Assert.Equal(0, cache.Window(again, 10).shape[0]);
        Assert.Equal(2L * 10 * 3 * sizeof(float), cache.BytesPerSlot);
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Window(5, 1));
    }

    [Fact]
    public void A_bfloat16_cache_takes_half_the_memory_and_refuses_frames_of_another_type()
    {
        using var cache = new ProjectorCache(slots: 2, capacityFrames: 10, width: 3, CPU, InferencePrecision.BFloat16);
        Assert.Equal(2L * 10 * 3 * 2, cache.BytesPerSlot);
        int slot = cache.Allocate();
        cache.Append(slot, ones(4, 3, dtype: ScalarType.BFloat16).Times(3));
        using (var window = cache.Window(slot, 10))
        {
            Assert.Equal(ScalarType.BFloat16, window.dtype);
            Assert.Equal(3f, window.to(ScalarType.Float32).max().item<float>());
        }
        var error = Assert.Throws<ArgumentException>(() => cache.Append(slot, ones(2, 3)));
        Assert.Contains("Float32", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, cache.Count(slot));   // the refused frames left the slot as it was
    }
}
