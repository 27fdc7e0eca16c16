using System.Globalization;

namespace PLDistill.Audio.Data;

/// <summary>
/// Parses RAVDESS file names <c>MM-VV-EE-II-SS-RR-AA.wav</c>: modality 03 (audio only), vocal channel 01 (speech),
/// emotion 01..08, intensity 01..02, statement 01..02, repetition 01..02, actor 01..24.
/// </summary>
public static class RavdessFileName
{
    /// <summary>Parses the name of <paramref name="path"/>; null and a reason when it is not a RAVDESS speech clip.</summary>
    public static RavdessClip? TryParse(string path, out string? reason)
    {
        string name = System.IO.Path.GetFileNameWithoutExtension(path);
        string[] fields = name.Split('-');
        reason = null;
        if (fields.Length != 7 || fields.Any(f => f.Length != 2 || !f.All(char.IsAsciiDigit)))
        {
            reason = $"'{System.IO.Path.GetFileName(path)}' is not named MM-VV-EE-II-SS-RR-AA.wav";
            return null;
        }
        int[] v = fields.Select(f => int.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        (int modality, int channel, int emotion, int intensity, int statement, int repetition, int actor) = (v[0], v[1], v[2], v[3], v[4], v[5], v[6]);

        reason = modality != 3 ? $"modality {modality:00} is not audio-only (03)"
            : channel != 1 ? $"vocal channel {channel:00} is not speech (01)"
            : emotion is < 1 or > 8 ? $"emotion code {emotion:00} is not 01..08"
            : intensity is < 1 or > 2 ? $"intensity {intensity:00} is not 01..02"
            : intensity == 2 && emotion == 1 ? "neutral has no strong intensity in RAVDESS"
            : statement is < 1 or > 2 ? $"statement {statement:00} is not 01..02"
            : repetition is < 1 or > 2 ? $"repetition {repetition:00} is not 01..02"
            : actor is < 1 or > 24 ? $"actor {actor:00} is not 01..24"
            : null;
        if (reason is not null)
        {
            reason = $"'{System.IO.Path.GetFileName(path)}': {reason}";
            return null;
        }
        return new RavdessClip(System.IO.Path.GetFullPath(path), (Emotion)emotion, intensity == 2, statement, repetition, actor);
    }

    /// <summary>Parses the name of <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">The name is not a RAVDESS speech clip; the message says which field is wrong.</exception>
    public static RavdessClip Parse(string path) =>
        TryParse(path, out string? reason) ?? throw new FormatException(reason);
}
