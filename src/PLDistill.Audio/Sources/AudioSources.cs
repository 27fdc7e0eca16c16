using PLDistill.Audio.Formats;

namespace PLDistill.Audio.Sources;

/// <summary>Opens the source a command-line argument names: <c>-</c> for stdin, <c>mic</c> for the microphone, or a WAV path.</summary>
public static class AudioSources
{
    /// <summary>The argument for audio piped in on stdin.</summary>
    public const string StandardInput = "-";

    /// <summary>The argument for the default microphone; <c>mic:DEVICE</c> names an ALSA device.</summary>
    public const string Microphone = "mic";

    /// <summary>
    /// True when stdin is a regular file (<c>pld run - &lt; clip.wav</c>), which holds all its audio now and so is not a live
    /// source; false for a pipe, a terminal or a socket, whose audio may be arriving as it is spoken.
    /// </summary>
    public static bool StandardInputIsFile()
    {
        // A regular file is the one kind of input that can seek; asking does not move it.
        using var stdin = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(0, ownsHandle: false), FileAccess.Read, bufferSize: 0);
        return stdin.CanSeek;
    }

    /// <summary>
    /// Opens the source <paramref name="spec"/> names:
    /// <list type="bullet">
    /// <item><c>-</c>: stdin, WAV or raw PCM told apart by its first bytes (<see cref="PipedAudioSource"/>);</item>
    /// <item><c>mic</c> or <c>mic:DEVICE</c>: the microphone via arecord (<see cref="AlsaMicrophoneSource"/>), e.g.
    /// <c>mic:hw:1,0</c>; everything after the first colon is the ALSA device;</item>
    /// <item>anything else: a WAV file (<see cref="WavFileSource"/>); write <c>./mic</c> for a file called "mic".</item>
    /// </list>
    /// </summary>
    /// <param name="spec">The argument.</param>
    /// <param name="realTimeClock">For stdin and files: null to read as fast as possible, a clock (usually
    /// <see cref="TimeProvider.System"/>) to deliver no faster than real time. A microphone is real time by nature.</param>
    /// <param name="rawFormat">For stdin without a WAV header: what the bytes are; null for
    /// <see cref="PipedAudioSource.DefaultRawFormat"/> (S16_LE, 16 kHz, mono).</param>
    /// <param name="microphone">For the microphone: rate, channels and recorder; the device in <paramref name="spec"/>,
    /// if any, replaces its <see cref="AlsaMicrophoneOptions.Device"/>. Null for the defaults.</param>
    /// <param name="abandonReadsOn">For stdin: a token (usually the command's Ctrl+C) that ends any wait for input,
    /// the wait for its first bytes in this call included, with an <see cref="OperationCanceledException"/>. Console's
    /// stdin ignores cancellation once a read has begun, so without it a read waits for the next byte
    /// (<see cref="AbandonableReadStream"/>).</param>
    /// <exception cref="ArgumentException"><paramref name="spec"/> is empty, or <c>mic:</c> names no device.</exception>
    /// <exception cref="FileNotFoundException">No file at the path (the message names it).</exception>
    /// <exception cref="AudioFormatException">The WAV file or stream is malformed or not decodable.</exception>
    /// <exception cref="AudioSourceException">The microphone recorder cannot be started.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="abandonReadsOn"/> fired while stdin's first bytes
    /// were awaited.</exception>
    public static IAudioSource Open(string spec, TimeProvider? realTimeClock = null, PcmFormat? rawFormat = null,
        AlsaMicrophoneOptions? microphone = null, CancellationToken abandonReadsOn = default) =>
        Open(spec, realTimeClock, rawFormat, microphone, Console.OpenStandardInput, abandonReadsOn);

    /// <summary><see cref="Open(string, TimeProvider?, PcmFormat?, AlsaMicrophoneOptions?, CancellationToken)"/> with the
    /// stdin to use.</summary>
    internal static IAudioSource Open(string spec, TimeProvider? realTimeClock, PcmFormat? rawFormat,
        AlsaMicrophoneOptions? microphone, Func<Stream> openStandardInput, CancellationToken abandonReadsOn = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(spec);
        ArgumentNullException.ThrowIfNull(openStandardInput);

        if (spec == StandardInput)
        {
            var input = new AbandonableReadStream(openStandardInput(), abandonOn: abandonReadsOn);
            return PipedAudioSource.Open(input, "stdin", rawFormat, leaveOpen: false, realTimeClock);
        }

        if (spec == Microphone)
            return AlsaMicrophoneSource.Open(microphone);
        if (spec.StartsWith(Microphone + ":", StringComparison.Ordinal))
        {
            string device = spec[(Microphone.Length + 1)..];
            if (string.IsNullOrWhiteSpace(device))
                throw new ArgumentException($"'{spec}' names no device; write mic for the default one or mic:DEVICE", nameof(spec));
            return AlsaMicrophoneSource.Open((microphone ?? new AlsaMicrophoneOptions()) with { Device = device });
        }

        if (Directory.Exists(spec))
            throw new ArgumentException($"{spec} is a folder; give a WAV file, - for stdin, or mic for the microphone", nameof(spec));
        try
        {
            return WavFileSource.Open(spec, realTimeClock, abandonReadsOn);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException(
                $"{spec}: no such file (give a WAV file, - for stdin, or mic for the microphone)", spec, e);
        }
    }
}
