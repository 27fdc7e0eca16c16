namespace PLDistill.Audio.Data;

/// <summary>A spoken command of the intent corpus: the paired utterance, its intent, and whether its phrasing is seen in training.</summary>
public sealed record IntentUtterance(PairedUtterance Utterance, string Intent, Phrasing Phrasing);
