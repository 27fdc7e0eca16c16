using PLDistill.Audio.Formats;

namespace PLDistill.Audio.Sources;

/// <summary>
/// Audio piped in on a stream, usually stdin, whose kind is told from its first bytes: a WAV stream
/// (<c>arecord -f S16_LE -r 16000 -c 1 | pld run -</c>, <c>sox in.mp3 -t wav - | ...</c>) is read by its header,
/// anything else is headerless PCM in a format the caller declares (<c>arecord -t raw ...</c>, <c>sox ... -t raw -</c>).
/// </summary>
/// <remarks>
/// <para>The first 12 bytes are looked at and then delivered as part of the audio, so nothing is lost.
/// Input starting with "RIFF" (or "RF64", "BW64", "RIFX") is read as WAV, so a truncated or unsupported RIFF file is
/// reported as an <see cref="AudioFormatException"/> rather than played as noise; raw PCM whose first two samples happen
/// to spell "RIFF" would be misread, which is why a raw pipe that can carry arbitrary data should be opened with
/// <see cref="RawPcmStreamSource"/> directly.</para>
/// <para>Empty input is raw PCM with no frames: the first read returns 0, the normal end of audio.</para>
/// <para>Optionally paced to real time (see <see cref="RealTimePacer"/>), which matters for <c>cat file.wav |</c> and
/// costs nothing for a live recorder.</para>
/// </remarks>
public sealed class PipedAudioSource : IAudioSource
{
    // "RIFF" + size + "WAVE": enough to recognise a WAV header.
    private const int SniffBytes = 12;

    private readonly IAudioSource _inner;

    private PipedAudioSource(IAudioSource inner) => _inner = inner;

    /// <summary>The raw format assumed when the caller gives none: what <c>arecord -f S16_LE -r 16000 -c 1</c> writes.</summary>
    public static PcmFormat DefaultRawFormat { get; } = new(16_000, 1, SampleEncoding.Int16);

    /// <summary>
    /// Looks at the start of <paramref name="stream"/> (blocking until 12 bytes have arrived or the input ends) and opens
    /// it as WAV or as raw PCM.
    /// </summary>
    /// <param name="stream">The input, e.g. <see cref="Console.OpenStandardInput()"/>; seekable or not.</param>
    /// <param name="name">Name for messages and logs.</param>
    /// <param name="rawFormat">What the bytes are when they carry no WAV header; null for <see cref="DefaultRawFormat"/>.
    /// Ignored for WAV input, whose header says.</param>
    /// <param name="leaveOpen">When true, disposing the source (or a failed open) leaves <paramref name="stream"/> open.</param>
    /// <param name="realTimeClock">Null to deliver as fast as the stream allows; a clock (usually
    /// <see cref="TimeProvider.System"/>) to deliver no faster than real time.</param>
    /// <exception cref="AudioFormatException">The input starts like a RIFF file but its header is malformed or
    /// describes audio we do not decode.</exception>
    public static PipedAudioSource Open(Stream stream, string name = "stdin", PcmFormat? rawFormat = null,
        bool leaveOpen = false, TimeProvider? realTimeClock = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        // The inner sources own the read-ahead view; it passes leaveOpen on to the caller's stream.
        var input = new ReadAheadInput(stream, leaveOpen);
        bool isRiff;
        try
        {
            isRiff = LooksLikeRiff(input.Peek(SniffBytes));
        }
        catch
        {
            input.Dispose();
            throw;
        }

        // WavStreamSource closes the input itself when the header turns out to be bad.
        return new PipedAudioSource(isRiff
            ? WavStreamSource.Open(input, name, leaveOpen: false, realTimeClock)
            : new RawPcmStreamSource(input, rawFormat ?? DefaultRawFormat, name, leaveOpen: false, realTimeClock));
    }

    /// <summary>The WAV header when the input was a WAV stream; null when it was read as raw PCM.</summary>
    public WavHeader? Header => (_inner as WavStreamSource)?.Header;

    /// <summary>True when the input was a WAV stream.</summary>
    public bool IsWav => Header is not null;

    /// <inheritdoc />
    public string Name => _inner.Name;

    /// <inheritdoc />
    public PcmFormat Format => _inner.Format;

    /// <inheritdoc />
    public ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(destination, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _inner.DisposeAsync();

    private static bool LooksLikeRiff(ReadOnlySpan<byte> start) =>
        start.StartsWith("RIFF"u8) || start.StartsWith("RF64"u8) || start.StartsWith("BW64"u8) || start.StartsWith("RIFX"u8);
}
