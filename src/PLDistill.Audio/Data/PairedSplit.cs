namespace PLDistill.Audio.Data;

/// <summary>
/// Which side of a paired corpus an utterance is on. The corpus tool assigns whole speakers (and whole sentences)
/// to one side, so <see cref="Test"/> voices are never heard in <see cref="Train"/>.
/// </summary>
public enum PairedSplit
{
    /// <summary>"train" in the manifest.</summary>
    Train,
    /// <summary>"valid" in the manifest: model selection.</summary>
    Valid,
    /// <summary>"test" in the manifest: reporting only.</summary>
    Test,
}
