using PLDistill.Audio.Formats;
using PLDistill.Audio.Sources;

namespace PLDistill.Audio.Tests.Sources;

public class AlsaMicrophoneOptionsTests
{
    [Fact]
    public void Defaults_are_the_default_device_at_16_kHz_mono_through_arecord()
    {
        var options = new AlsaMicrophoneOptions();

        Assert.Null(options.Device);
        Assert.Equal(16_000, options.SampleRate);
        Assert.Equal(1, options.Channels);
        Assert.Equal("arecord", options.Executable);
        Assert.Equal(new PcmFormat(16_000, 1, SampleEncoding.Int16), options.Format);
    }

    [Fact]
    public void Impossible_values_are_rejected_when_set()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlsaMicrophoneOptions { SampleRate = 7_999 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlsaMicrophoneOptions { SampleRate = 192_001 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlsaMicrophoneOptions { Channels = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlsaMicrophoneOptions { Channels = 9 });
        Assert.Throws<ArgumentException>(() => new AlsaMicrophoneOptions { Device = " " });
        Assert.Throws<ArgumentException>(() => new AlsaMicrophoneOptions { Executable = "" });
        // A copy made with 'with' is validated the same way.
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlsaMicrophoneOptions() with { Channels = -1 });
    }

    [Fact]
    public void The_format_follows_rate_and_channels()
    {
        var options = new AlsaMicrophoneOptions { SampleRate = 48_000, Channels = 2, Device = "hw:1,0" };

        Assert.Equal(new PcmFormat(48_000, 2, SampleEncoding.Int16), options.Format);
        Assert.Equal("hw:1,0", options.Device);
    }
}
