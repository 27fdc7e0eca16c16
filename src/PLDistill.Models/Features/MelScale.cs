namespace PLDistill.Models.Features;

/// <summary>Which Hz-to-mel mapping the filter bank uses.</summary>
public enum MelScale
{
    /// <summary>Slaney's Auditory Toolbox scale (linear below 1 kHz, logarithmic above), area-normalised filters; librosa's and Whisper's default.</summary>
    Slaney,
    /// <summary>HTK's 2595 log10(1 + f/700), filters of unit peak.</summary>
    Htk,
}
