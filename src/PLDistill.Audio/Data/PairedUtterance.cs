namespace PLDistill.Audio.Data;

/// <summary>One line of a paired speech/text manifest: a (synthetic) recording and the sentence it speaks.</summary>
/// <param name="Id">Unique within the corpus, e.g. <c>pc000042</c>.</param>
/// <param name="WavPath">Full path of the WAV file (the manifest's relative path resolved against the corpus folder).</param>
/// <param name="Text">The sentence spoken, as written.</param>
/// <param name="Voice">The synthesizer voice, e.g. <c>en-gb-x-rp+steph2</c> (espeak-ng accent+variant) or <c>slt</c> (flite).</param>
/// <param name="RateWordsPerMinute">Speaking rate asked of the synthesizer (espeak-ng's default is 175).</param>
/// <param name="Pitch">Pitch on espeak-ng's 0..99 scale, 50 being the voice's own.</param>
/// <param name="Speaker">Engine and voice, e.g. <c>espeak:en-us+f3</c>; the unit of a speaker-independent split.</param>
/// <param name="Split">The side of the split this utterance is on.</param>
/// <param name="Duration">Length of the audio, as the manifest records it.</param>
public sealed record PairedUtterance(
    string Id, string WavPath, string Text, string Voice, int RateWordsPerMinute, int Pitch, string Speaker, PairedSplit Split, TimeSpan Duration);
