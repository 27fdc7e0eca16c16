using PLDistill.Audio.Processing;
using PLDistill.Audio.Tests.Resampling;

namespace PLDistill.Audio.Tests.Processing;

public sealed class DownmixerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Each_frame_becomes_the_average_of_its_channels(int channels)
    {
        // 37 frames: several vector steps plus a scalar tail.
        float[] interleaved = ToneAnalysis.Noise(37 * channels, seed: channels);
        var mono = new float[37];

        int frames = Downmixer.ToMono(interleaved, channels, mono);

        Assert.Equal(37, frames);
        for (int frame = 0; frame < frames; frame++)
        {
            double sum = 0;
            for (int channel = 0; channel < channels; channel++)
                sum += interleaved[frame * channels + channel];
            Assert.Equal(sum / channels, mono[frame], 1e-6);
        }
    }

    [Fact]
    public void Mono_passes_through_unchanged()
    {
        float[] samples = ToneAnalysis.Noise(100, seed: 1);
        var mono = new float[100];

        Downmixer.ToMono(samples, 1, mono);

        Assert.Equal(samples, mono);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(1_001)]
    public void Stereo_is_exactly_half_the_sum_on_every_path(int frames)
    {
        float[] interleaved = ToneAnalysis.Noise(2 * frames, seed: 2);
        var mono = new float[frames];

        Downmixer.ToMono(interleaved, 2, mono);

        for (int frame = 0; frame < frames; frame++)
            Assert.Equal((interleaved[2 * frame] + interleaved[2 * frame + 1]) * 0.5f, mono[frame]);
    }

    [Fact]
    public void Identical_stereo_channels_come_out_unchanged()
    {
        float[] signal = ToneAnalysis.Noise(50, seed: 3);
        var interleaved = new float[100];
        for (int frame = 0; frame < 50; frame++)
            interleaved.AsSpan(2 * frame, 2).Fill(signal[frame]);
        var mono = new float[50];

        Downmixer.ToMono(interleaved, 2, mono);

        Assert.Equal(signal, mono);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(6)]
    public void Works_in_place(int channels)
    {
        float[] interleaved = ToneAnalysis.Noise(203 * channels, seed: 4);
        var expected = new float[203];
        Downmixer.ToMono(interleaved, channels, expected);

        int frames = Downmixer.ToMono(interleaved, channels, interleaved);

        Assert.Equal(expected, interleaved.AsSpan(0, frames).ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    [InlineData(-1)]
    public void Unsupported_channel_counts_throw_naming_channels(int channels)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Downmixer.ToMono(new float[72], channels, new float[72]));
        Assert.Equal("channels", error.ParamName);
    }

    [Fact]
    public void A_partial_frame_throws_naming_the_input()
    {
        var error = Assert.Throws<ArgumentException>(() => Downmixer.ToMono(new float[7], 2, new float[7]));
        Assert.Equal("interleaved", error.ParamName);
    }

    [Fact]
    public void Too_short_a_destination_throws_naming_it()
    {
        var error = Assert.Throws<ArgumentException>(() => Downmixer.ToMono(new float[8], 2, new float[3]));
        Assert.Equal("mono", error.ParamName);
    }
}
