using PLDistill.Audio.Formats;

namespace PLDistill.Audio.Sources;

/// <summary>
/// How <see cref="AlsaMicrophoneSource"/> records: which ALSA capture device, at what rate and channel count.
/// Immutable; every property is validated when set, so a constructed instance is always usable.
/// </summary>
public sealed record AlsaMicrophoneOptions
{
    /// <summary>The capture program looked up on PATH unless <see cref="Executable"/> says otherwise.</summary>
    public const string DefaultExecutable = "arecord";

    /// <summary>
    /// The ALSA device as <c>arecord -D</c> takes it ("hw:1,0", "plughw:CARD=Mic", "pulse", "null");
    /// null for ALSA's default device. <c>arecord -L</c> lists them.
    /// </summary>
    public string? Device
    {
        get;
        init
        {
            if (value is not null && string.IsNullOrWhiteSpace(value))
                throw new ArgumentException("a device name must not be blank; use null for the default device", nameof(Device));
            field = value;
        }
    }

    /// <summary>Frames per second to record, in Hz; 16 000 by default, what the models take.</summary>
    /// <remarks>Validated as <see cref="PcmFormat"/> validates it: <see cref="PcmFormat.MinSampleRate"/>..<see cref="PcmFormat.MaxSampleRate"/>.</remarks>
    public int SampleRate
    {
        get => Format.SampleRate;
        init => Format = new PcmFormat(value, Format.Channels, SampleEncoding.Int16);
    }

    /// <summary>Channels to record; 1 by default, at most <see cref="PcmFormat.MaxChannels"/>.</summary>
    public int Channels
    {
        get => Format.Channels;
        init => Format = new PcmFormat(Format.SampleRate, value, SampleEncoding.Int16);
    }

    /// <summary>
    /// The capture program: a name looked up on PATH or a path. <see cref="DefaultExecutable"/> unless a test or an
    /// unusual installation points it elsewhere; it must take arecord's arguments and write raw S16_LE to stdout.
    /// </summary>
    public string Executable
    {
        get;
        init
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(Executable));
            field = value;
        }
    } = DefaultExecutable;

    /// <summary>What the recording delivers: <see cref="SampleRate"/>, <see cref="Channels"/>, 16-bit samples.</summary>
    public PcmFormat Format { get; private init; } = new(16_000, 1, SampleEncoding.Int16);
}
