namespace PLDistill.Distillation.Evaluation;

/// <summary>
/// Scores a clip by the mean class probabilities of its streaming windows instead of one pass over the whole clip: what
/// averaging the engine's rolling estimates over an utterance would give.
/// </summary>
/// <param name="WindowFrames">Frames per window (the streaming window, e.g. 3 s = 300 frames).</param>
/// <param name="HopFrames">Frames between window starts.</param>
/// <param name="AlignFrames">Window starts are multiples of this (the encoder's subsampling factor, as in training).</param>
public sealed record WindowPooling(int WindowFrames, int HopFrames, int AlignFrames = 1)
{
    /// <summary>
    /// Where the windows of a <paramref name="frames"/>-frame clip start: every hop from 0 while a whole window fits, then
    /// one ending at the clip's end (rounded down to <see cref="AlignFrames"/>); a clip no longer than a window is one
    /// window, the clip itself.
    /// </summary>
    public IReadOnlyList<int> Offsets(int frames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(WindowFrames, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(HopFrames, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(AlignFrames, 1);
        int last = Math.Max(0, frames - WindowFrames);
        last -= last % AlignFrames;
        var offsets = new SortedSet<int>();
        for (int offset = 0; offset <= last; offset += HopFrames)
            offsets.Add(offset - offset % AlignFrames);
        offsets.Add(last);
        return [.. offsets];
    }
}
