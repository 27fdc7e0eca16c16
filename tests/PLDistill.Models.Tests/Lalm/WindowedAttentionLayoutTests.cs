using PLDistill.Models.Lalm;

namespace PLDistill.Models.Tests.Lalm;

public sealed class WindowedAttentionLayoutTests
{
    /// <summary>The layout of one clip as rows of 'x' (may attend) and '.' (blocked), prompt first.</summary>
    private static string[] Picture(bool[] blocked, int clip, int steps) =>
        Enumerable.Range(0, steps).Select(i => new string(Enumerable.Range(0, steps)
            .Select(j => blocked[((long)clip * steps + i) * steps + j] ? '.' : 'x').ToArray())).ToArray();

    [Fact]
    public void Prompt_window_padding_and_suffix_follow_the_rules()
    {
        // P = 2, Ta = 4, Q = 2, W = 2; clip 0 uses all 4 audio steps, clip 1 only 3 (its last audio row is padding).
        var (blocked, distances) = WindowedAttentionLayout.Build(prefix: 2, audioSteps: 4, suffix: 2, lengths: [4, 3], window: 2);

        Assert.Equal(new[]
        {
            "x.......",   // prompt: causal among itself, never the timeline
            "xx......",
            "xxx.....",   // audio 0 sees itself
            "xxxx....",   // audio 1: audio 0-1
            "xx.xx...",   // audio 2: audio 1-2 (window of 2)
            "xx..xx..",   // audio 3: audio 2-3
            "xx..xxx.",   // suffix 0: the window ending at the last audio step, and itself
            "xx..xxxx",   // suffix 1: and suffix 0
        }, Picture(blocked, 0, 8));
        Assert.Equal(new[]
        {
            "x.......",
            "xx......",
            "xxx.....",
            "xxxx....",
            "xx.xx...",
            "xx..x...",   // padding row: its own step (3) is no key; it sees what its window holds of the clip (audio 2)
            "xx.xx.x.",   // suffix 0 of a 3-step clip: audio 1-2, never the padding
            "xx.xx.xx",
        }, Picture(blocked, 1, 8));

        // Timeline distances (T = 6): clip 1's suffix sits right after its third audio step (positions 3 and 4).
        long Distance(int clip, int query, int key) => distances[(clip * 6 + query) * 6 + key];
        Assert.Equal(2, Distance(0, 3, 1));
        Assert.Equal(-1, Distance(0, 2, 3));
        Assert.Equal(3, Distance(0, 4, 1));    // suffix 0 of clip 0 is at 4
        Assert.Equal(2, Distance(1, 4, 1));    // suffix 0 of clip 1 is at 3
        Assert.Equal(1, Distance(1, 5, 4));
        Assert.Equal(0, Distance(1, 3, 3));
    }

    [Fact]
    public void A_clip_with_no_audio_answers_from_the_prompt_and_suffix_alone()
    {
        var (blocked, _) = WindowedAttentionLayout.Build(prefix: 1, audioSteps: 2, suffix: 1, lengths: [0], window: 5);
        Assert.Equal(new[] { "x...", "x...", "x...", "x..x" }, Picture(blocked, 0, 4));   // padding rows see only the prompt
    }

    [Fact]
    public void Lengths_outside_the_batch_and_bad_sizes_are_refused()
    {
        var tooLong = Assert.Throws<ArgumentException>(() => WindowedAttentionLayout.Build(2, 4, 2, [5], 2));
        Assert.Contains("clip 0 has 5 audio steps; the batch holds 4", tooLong.Message);
        Assert.Throws<ArgumentException>(() => WindowedAttentionLayout.Build(2, 4, 2, [-1], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => WindowedAttentionLayout.Build(2, 4, 2, [4], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => WindowedAttentionLayout.Build(-1, 4, 2, [4], 2));
    }

    [Fact]
    public void A_step_sees_the_prompt_the_window_of_cached_and_new_audio_and_earlier_suffix_tokens()
    {
        // P = 1, Q = 1, W = 2. Stream 0 continues with 1 new token and 2 cached; stream 1 has nothing yet.
        // Keys: prompt | cached (m = 2, right-aligned) | new (n = 1) | suffix.
        var (blocked, distances) = WindowedAttentionLayout.BuildForStep(prefix: 1, suffix: 1, counts: [1, 0], cached: [2, 0], window: 2);
        string Row(int stream, int row) => new(Enumerable.Range(0, 5).Select(k => blocked[(stream * 2 + row) * 5 + k] ? '.' : 'x').ToArray());

        Assert.Equal("x.xx.", Row(0, 0));   // new audio at 3: cached token 2 and itself (token 1 is outside the window)
        Assert.Equal("x.xxx", Row(0, 1));   // suffix: the window ending at token 3, and itself
        Assert.Equal("x....", Row(1, 0));   // padding row of a stream with no audio: only the prompt
        Assert.Equal("x...x", Row(1, 1));   // its suffix: the prompt and itself
        Assert.Equal(new long[] { 3, 2, 1, 0 }, distances.AsSpan(4, 4).ToArray());   // stream 0's suffix to its two cached, new and suffix keys
    }

    [Fact]
    public void A_step_with_mismatched_or_negative_counts_is_refused()
    {
        Assert.Throws<ArgumentException>(() => WindowedAttentionLayout.BuildForStep(1, 1, [1], [0, 0], 2));
        var negative = Assert.Throws<ArgumentException>(() => WindowedAttentionLayout.BuildForStep(1, 1, [-1], [0], 2));
        Assert.Contains("stream 0 has -1 new tokens", negative.Message);
    }

    [Fact]
    public void Layout_tensors_of_the_same_sizes_are_built_once_and_shared_and_hold_the_layout()
    {
        var first = WindowedAttentionLayout.ClipTensors(2, 9, 2, [9, 5], 4);
        var again = WindowedAttentionLayout.ClipTensors(2, 9, 2, [9, 5], 4);
        var other = WindowedAttentionLayout.ClipTensors(2, 9, 2, [9, 6], 4);
        Assert.Equal(first.Blocked.Handle, again.Blocked.Handle);
        Assert.Equal(first.Distances.Handle, again.Distances.Handle);
        Assert.NotEqual(first.Blocked.Handle, other.Blocked.Handle);
        var (blocked, distances) = WindowedAttentionLayout.Build(2, 9, 2, [9, 5], 4);
        Assert.Equal(new long[] { 2, 1, 13, 13 }, first.Blocked.shape);
        Assert.Equal(blocked, first.Blocked.flatten().data<bool>().ToArray());
        Assert.Equal(distances, first.Distances.flatten().data<long>().ToArray());

        var step = WindowedAttentionLayout.StepTensors(1, 2, [3, 1], [5, 0], 4);
        Assert.Equal(step.Blocked.Handle, WindowedAttentionLayout.StepTensors(1, 2, [3, 1], [5, 0], 4).Blocked.Handle);
        Assert.Equal(new long[] { 2, 1, 5, 11 }, step.Blocked.shape);   // rows n + Q = 5, keys P + m + n + Q = 11
        Assert.Equal(WindowedAttentionLayout.BuildForStep(1, 2, [3, 1], [5, 0], 4).Blocked, step.Blocked.flatten().data<bool>().ToArray());
    }
}
