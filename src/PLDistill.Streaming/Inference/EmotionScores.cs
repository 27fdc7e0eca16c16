namespace PLDistill.Streaming.Inference;

/// <summary>The student's answer for one hop: class probabilities over the last window.</summary>
/// <param name="Probabilities">Per class, in label-set order; sums to 1.</param>
/// <param name="WindowFrames">Projector frames the LM read (≤ the window).</param>
/// <param name="AudioSeconds">Audio accepted by the stream so far.</param>
public sealed record EmotionScores(float[] Probabilities, long WindowFrames, double AudioSeconds)
{
    /// <summary>Index of the most probable class.</summary>
    public int Best => Array.IndexOf(Probabilities, Probabilities.Max());
}
