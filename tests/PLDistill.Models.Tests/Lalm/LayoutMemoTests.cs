using PLDistill.Models.Lalm;

namespace PLDistill.Models.Tests.Lalm;

public sealed class LayoutMemoTests
{
    [Fact]
    public void Equal_keys_share_one_layout_and_a_full_memo_starts_over()
    {
        int built = 0;
        var memo = new LayoutMemo<long[]>(layout => layout.Length * sizeof(long), budgetBytes: 100);
        long[] Make(int n) { built++; return new long[n]; }

        var a = memo.GetOrAdd([1, 2, 3], () => Make(5));         // 40 bytes
        Assert.Same(a, memo.GetOrAdd([1, 2, 3], () => Make(5)));
        Assert.Equal(1, built);
        var b = memo.GetOrAdd([1, 2, 4], () => Make(5));         // 80 bytes held
        Assert.NotSame(a, b);
        memo.GetOrAdd([9], () => Make(5));                       // 120 > 100: the memo starts over with this one
        Assert.NotSame(a, memo.GetOrAdd([1, 2, 3], () => Make(5)));
        Assert.Equal(4, built);
        var huge = memo.GetOrAdd([7], () => Make(50));           // larger than the budget: handed out, never kept
        Assert.NotSame(huge, memo.GetOrAdd([7], () => Make(50)));
    }
}
