namespace PLDistill.Audio.Data;

/// <summary>One RAVDESS recording and what its file name says about it.</summary>
/// <param name="Path">Full path of the WAV file.</param>
/// <param name="Emotion">The acted emotion.</param>
/// <param name="StrongIntensity">True for intensity 02 (strong); neutral exists at normal intensity only.</param>
/// <param name="Statement">1 "Kids are talking by the door", 2 "Dogs are sitting by the door".</param>
/// <param name="Repetition">1 or 2.</param>
/// <param name="Actor">1..24; odd actors are male, even female.</param>
public sealed record RavdessClip(string Path, Emotion Emotion, bool StrongIntensity, int Statement, int Repetition, int Actor)
{
    /// <summary>The two sentences RAVDESS actors speak, by statement number.</summary>
    public static readonly IReadOnlyList<string> Sentences = ["Kids are talking by the door", "Dogs are sitting by the door"];

    /// <summary>True for even-numbered (female) actors.</summary>
    public bool IsFemale => Actor % 2 == 0;

    /// <summary>The sentence spoken in this clip.</summary>
    public string Sentence => Sentences[Statement - 1];
}
