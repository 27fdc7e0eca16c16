namespace PLDistill.Audio.Data;

/// <summary>What is wrong with a paired-corpus manifest line; lets callers and tests react by kind.</summary>
public enum PairedCorpusProblem
{
    /// <summary>The line is not a JSON object.</summary>
    BadJson,
    /// <summary>A required field is absent or null.</summary>
    MissingField,
    /// <summary>A field has the wrong JSON type or an impossible value (empty text, pitch 120, negative seconds).</summary>
    InvalidField,
    /// <summary>The split is not "train", "valid" or "test".</summary>
    UnknownSplit,
    /// <summary>Another line already has this id.</summary>
    DuplicateId,
    /// <summary>The WAV file the line points to does not exist.</summary>
    MissingWav,
    /// <summary>The speaker also appears in another split, so the split would not be speaker independent.</summary>
    SpeakerInTwoSplits,
    /// <summary>The manifest holds no utterance at all.</summary>
    Empty,
}
