namespace PLDistill.Audio.Data;

/// <summary>Whether a command's wording may be used to train the intent classifier, or is held out to test generalisation.</summary>
public enum Phrasing
{
    /// <summary>A phrasing the classifier trains on (and is tested on in held-out voices).</summary>
    Seen,

    /// <summary>A phrasing that shares no word with any seen one; only in the test split.</summary>
    Unseen,
}
