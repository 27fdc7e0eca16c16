namespace PLDistill.Audio.Sources;

/// <summary>
/// An audio source that cannot deliver audio for a reason outside the bytes themselves: a capture program that is not
/// installed, a device that cannot be opened, a recorder that died. The message always names the source and the problem,
/// e.g. <c>mic:default: arecord exited with code 1: arecord: main:831: audio open error: No such file or directory</c>.
/// </summary>
/// <remarks>Malformed audio is an <see cref="Formats.AudioFormatException"/> instead: that one says the input is bad,
/// this one says the input could not be had.</remarks>
public sealed class AudioSourceException : Exception
{
    /// <summary>Creates an exception for the source <paramref name="sourceName"/> with a human-readable <paramref name="detail"/>.</summary>
    public AudioSourceException(string sourceName, string detail, Exception? inner = null)
        : base($"{sourceName}: {detail}", inner)
    {
        SourceName = sourceName;
        Detail = detail;
    }

    /// <summary>The source's <see cref="IAudioSource.Name"/>, e.g. "mic:default".</summary>
    /// <remarks>Not called <c>Source</c>: <see cref="Exception.Source"/> already names the assembly that threw.</remarks>
    public string SourceName { get; }

    /// <summary>The description without the source name.</summary>
    public string Detail { get; }

    /// <summary>What a capture program wrote to its standard error, when that is what went wrong; null otherwise.</summary>
    public string? ErrorOutput { get; init; }

    /// <summary>The exit code of a capture program that ended with an error; null when none did.</summary>
    public int? ExitCode { get; init; }
}
