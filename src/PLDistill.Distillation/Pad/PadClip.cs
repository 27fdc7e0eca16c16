using PLDistill.Audio.Data;
using PLDistill.Audio.Processing;
using PLDistill.Distillation.Data;
using PLDistill.Models.Features;

namespace PLDistill.Distillation.Pad;

/// <summary>One paired utterance ready for PAD: its id (shared by the corpus and the text outputs) and log-mel frames (row-major T × M).</summary>
public sealed record PadClip(string Id, float[] Mel, int Frames)
{
    /// <summary>Reads <paramref name="utterance"/>'s WAV and computes its log-mel frames with <paramref name="spectrogram"/>.</summary>
    /// <exception cref="ArgumentException">The clip is too short for one frame (the message names it).</exception>
    public static PadClip Read(PairedUtterance utterance, LogMelSpectrogram spectrogram, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(utterance);
        ArgumentNullException.ThrowIfNull(spectrogram);
        var (values, frames) = FeatureBank.LogMel(spectrogram, AudioFile.ReadMono(utterance.WavPath, sampleRate));
        return frames > 0 ? new PadClip(utterance.Id, values, frames)
            : throw new ArgumentException($"utterance '{utterance.Id}' ({utterance.WavPath}) is too short for one log-mel frame");
    }
}
