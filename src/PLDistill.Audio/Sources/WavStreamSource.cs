using PLDistill.Audio.Formats;

namespace PLDistill.Audio.Sources;

/// <summary>
/// A WAV file arriving on a stream, e.g. <c>sox in.mp3 -t wav - | pldistill ...</c> on stdin.
/// Streaming headers with an unknown data length are read to the end of the input.
/// </summary>
/// <remarks>Optionally paced to real time (see <see cref="RealTimePacer"/>).</remarks>
public sealed class WavStreamSource : PcmReaderSource
{
    private WavStreamSource(WavReader reader, TimeProvider? realTimeClock) : base(reader, realTimeClock) => Header = reader.Header;

    /// <summary>Reads the WAV header from <paramref name="stream"/> (blocking until it has arrived).</summary>
    /// <param name="stream">The input, seekable or not.</param>
    /// <param name="name">Name for messages and logs, e.g. "stdin".</param>
    /// <param name="leaveOpen">When true, disposing the source (or a failed open) leaves <paramref name="stream"/> open.</param>
    /// <param name="realTimeClock">Null to deliver as fast as the stream allows; a clock (usually
    /// <see cref="TimeProvider.System"/>) to deliver no faster than real time.</param>
    /// <exception cref="AudioFormatException">The header is malformed or describes audio we do not decode.</exception>
    public static WavStreamSource Open(Stream stream, string name, bool leaveOpen = false, TimeProvider? realTimeClock = null) =>
        new(WavReader.Open(stream, name, leaveOpen), realTimeClock);

    /// <summary>Everything the WAV header said.</summary>
    public WavHeader Header { get; }
}
