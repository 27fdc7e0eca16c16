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
    public int SampleRate
    {
        get;
        init
        {
            if (value is < PcmFormat.MinSampleRate or > PcmFormat.MaxSampleRate)
                throw new ArgumentOutOfRangeException(nameof(SampleRate), value,
                    $"sample rate must be {PcmFormat.MinSampleRate}..{PcmFormat.MaxSampleRate} Hz");
            field = value;
        }
    } = 16_000;

    /// <summary>Channels to record; 1 by default.</summary>
    public int Channels
    {
        get;
        init
        {
            if (value is < 1 or > PcmFormat.MaxChannels)
                throw new ArgumentOutOfRangeException(nameof(Channels), value, $"channel count must be 1..{PcmFormat.MaxChannels}");
            field = value;
        }
    } = 1;

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
    public PcmFormat Format => new(SampleRate, Channels, SampleEncoding.Int16);
}
