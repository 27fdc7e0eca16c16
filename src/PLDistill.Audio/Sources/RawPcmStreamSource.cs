using PLDistill.Audio.Formats;

namespace PLDistill.Audio.Sources;

/// <summary>
/// Headerless interleaved PCM from a stream whose format the caller declares, typically stdin fed by
/// <c>arecord -f S16_LE -r 16000 -c 1</c> or <c>sox ... -t raw -</c>.
/// </summary>
/// <remarks>A partial frame at the end of the input is dropped. Optionally paced to real time (see <see cref="RealTimePacer"/>).</remarks>
public sealed class RawPcmStreamSource : PcmReaderSource
{
    /// <summary>Creates a source reading <paramref name="format"/> samples from <paramref name="stream"/>.</summary>
    /// <param name="stream">The input, e.g. <see cref="Console.OpenStandardInput()"/>.</param>
    /// <param name="format">What the bytes are; raw PCM carries no header to tell.</param>
    /// <param name="name">Name for messages and logs, e.g. "stdin".</param>
    /// <param name="leaveOpen">When true, disposing the source leaves <paramref name="stream"/> open.</param>
    /// <param name="realTimeClock">Null to deliver as fast as the stream allows; a clock (usually
    /// <see cref="TimeProvider.System"/>) to deliver no faster than real time.</param>
    public RawPcmStreamSource(Stream stream, PcmFormat format, string name, bool leaveOpen = false,
        TimeProvider? realTimeClock = null)
        : base(new RawPcmReader(stream, format, name, leaveOpen), realTimeClock)
    {
    }
}
