using PLDistill.Models.Lalm;
using static TorchSharp.torch;

namespace PLDistill.Models.Tests.Lalm;

public sealed class LayoutMemoTests
{
    [Fact]
    public void Equal_keys_share_one_layout_and_a_full_memo_hands_out_new_ones_without_dropping_what_it_keeps()
    {
        int built = 0, adopted = 0;
        var memo = new LayoutMemo<long[]>(layout => layout.Length * sizeof(long), adopt: _ => adopted++, budgetBytes: 100, maxEntries: 3);
        long[] Make(int n) { built++; return new long[n]; }

        var a = memo.GetOrAdd([1, 2, 3], () => Make(5));         // 40 bytes
        Assert.Same(a, memo.GetOrAdd([1, 2, 3], () => Make(5)));
        Assert.Equal(1, built);
        var b = memo.GetOrAdd([1, 2, 4], () => Make(5));         // 80 bytes held
        Assert.NotSame(a, b);
        var c = memo.GetOrAdd([9], () => Make(5));               // 120 > 100: handed out, not kept
        Assert.NotSame(c, memo.GetOrAdd([9], () => Make(5)));
        Assert.Same(a, memo.GetOrAdd([1, 2, 3], () => Make(5))); // what it kept stays
        Assert.Same(b, memo.GetOrAdd([1, 2, 4], () => Make(5)));
        Assert.Equal(2, memo.Count);
        Assert.Equal(2, adopted);                                 // only what it kept left the caller's hands

        var small = new LayoutMemo<long[]>(layout => 1, adopt: _ => { }, maxEntries: 2);
        foreach (long k in new long[] { 1, 2, 3, 4 })
            small.GetOrAdd([k], () => new long[1]);
        Assert.Equal(2, small.Count);                             // at most maxEntries, whatever the bytes
    }

    [Fact]
    public void A_layout_it_keeps_outlives_the_callers_dispose_scope_and_one_it_does_not_is_freed_with_it()
    {
        var memo = new LayoutMemo<Tensor>(t => t.numel(), adopt: t => t.DetachFromDisposeScope(), maxEntries: 1);
        Tensor kept, handedOut;
        using (NewDisposeScope())
        {
            kept = memo.GetOrAdd([1], () => ones(4));
            handedOut = memo.GetOrAdd([2], () => ones(4));        // the memo is full
        }
        Assert.False(kept.IsInvalid);
        Assert.Equal(4, kept.sum().item<float>());
        Assert.True(handedOut.IsInvalid);                         // disposed with the pass's scope, not left to a finalizer
        Assert.Same(kept, memo.GetOrAdd([1], () => ones(4)));
    }
}
