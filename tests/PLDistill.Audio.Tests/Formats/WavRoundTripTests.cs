using PLDistill.Audio.Formats;
using PLDistill.Audio.Tests.TestSupport;

namespace PLDistill.Audio.Tests.Formats;

/// <summary>Write with <see cref="WavWriter"/>, read back with <see cref="WavReader"/>: samples survive within quantisation error.</summary>
public class WavRoundTripTests
{
    public static TheoryData<SampleEncoding, int, int> EveryEncodingChannelsAndRate()
    {
        var data = new TheoryData<SampleEncoding, int, int>();
        foreach (SampleEncoding encoding in Enum.GetValues<SampleEncoding>())
            foreach (int channels in new[] { 1, 2, 6, 8 })
                foreach (int rate in new[] { 8_000, 44_100, 48_000, 192_000 })
                    data.Add(encoding, channels, rate);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryEncodingChannelsAndRate))]
    public void Samples_survive_a_round_trip(SampleEncoding encoding, int channels, int rate)
    {
        var format = new PcmFormat(rate, channels, encoding);
        int frames = rate / 50 + 3; // 20 ms and a bit, so the count is not a round number
        float[] signal = TestAudio.Signal(frames, channels, seed: rate + channels);
        byte[] file = TestAudio.WriteWav(signal, format);

        using var reader = WavReader.Open(new MemoryStream(file), "roundtrip.wav");
        float[] read = TestAudio.ReadAll(reader.ReadFrames, channels);

        Assert.Equal(format, reader.Format);
        Assert.Equal((long)frames, reader.Header.FrameCount);
        Assert.Equal((long)frames, reader.FramesRead);
        Assert.Equal(file.Length - frames * format.BlockAlign - frames * format.BlockAlign % 2, reader.Header.DataOffset);
        TestAudio.AssertClose(signal, read, TestAudio.Tolerance(encoding));
    }

    public static TheoryData<SampleEncoding, int> EveryEncodingAndChannels()
    {
        var data = new TheoryData<SampleEncoding, int>();
        foreach (SampleEncoding encoding in Enum.GetValues<SampleEncoding>())
            foreach (int channels in new[] { 1, 2, 6, 8 })
                data.Add(encoding, channels);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryEncodingAndChannels))]
    public void Extensible_headers_round_trip(SampleEncoding encoding, int channels)
    {
        var format = new PcmFormat(48_000, channels, encoding);
        float[] signal = TestAudio.Signal(500, channels);
        byte[] file = TestAudio.WriteWav(signal, format, extensible: true);

        using var reader = WavReader.Open(new MemoryStream(file), "ext.wav");
        float[] read = TestAudio.ReadAll(reader.ReadFrames, channels);

        Assert.True(reader.Header.IsExtensible);
        Assert.Equal(0xFFFE, reader.Header.FormatTag);
        bool isFloat = encoding is SampleEncoding.Float32 or SampleEncoding.Float64;
        Assert.Equal(isFloat ? "extensible IEEE float" : "extensible PCM", reader.Header.FormatName);
        Assert.Equal(encoding.BytesPerSample() * 8, reader.Header.ValidBitsPerSample);
        Assert.NotEqual(0u, reader.Header.ChannelMask);
        Assert.Equal(format, reader.Format);
        TestAudio.AssertClose(signal, read, TestAudio.Tolerance(encoding));
    }

    [Theory]
    [MemberData(nameof(EveryEncodingAndChannels))]
    public void Odd_sized_reads_and_a_pipe_give_the_same_frames_as_one_big_read(SampleEncoding encoding, int channels)
    {
        var format = new PcmFormat(16_000, channels, encoding);
        byte[] file = TestAudio.WriteWav(TestAudio.Signal(1_777, channels), format);

        float[] whole;
        using (var reader = WavReader.Open(new MemoryStream(file), "whole"))
            whole = TestAudio.ReadAll(reader.ReadFrames, channels, 100_000);
        float[] chunked;
        using (var reader = WavReader.Open(new MemoryStream(file), "chunked"))
            chunked = TestAudio.ReadAll(reader.ReadFrames, channels, 1, 3, 7, 13, 64, 1_000);
        float[] piped;
        using (var reader = WavReader.Open(new NonSeekableStream(new MemoryStream(file), seed: channels), "pipe"))
            piped = TestAudio.ReadAll(reader.ReadFrames, channels, 5, 11, 333);

        Assert.Equal(1_777 * channels, whole.Length);
        Assert.Equal(whole, chunked);
        Assert.Equal(whole, piped);
    }

    [Fact]
    public void Full_scale_is_clamped_to_the_largest_integer_and_minus_one_is_exact()
    {
        var format = new PcmFormat(8_000, 1, SampleEncoding.Int16);
        byte[] file = TestAudio.WriteWav([-1f, 1f, 2f, -3f, float.NaN], format);

        using var reader = WavReader.Open(new MemoryStream(file), "clip.wav");
        float[] read = TestAudio.ReadAll(reader.ReadFrames, 1);

        Assert.Equal([-1f, 32_767 / 32_768f, 32_767 / 32_768f, -1f, 0f], read);
    }

    [Fact]
    public async Task Async_reads_match_sync_reads()
    {
        var format = new PcmFormat(22_050, 2, SampleEncoding.Int24);
        byte[] file = TestAudio.WriteWav(TestAudio.Signal(3_000, 2), format);
        float[] sync;
        using (var reader = WavReader.Open(new MemoryStream(file), "sync"))
            sync = TestAudio.ReadAll(reader.ReadFrames, 2, 700);

        using var asyncReader = WavReader.Open(new NonSeekableStream(new MemoryStream(file)), "async");
        var all = new List<float>();
        var buffer = new float[700 * 2];
        int frames;
        while ((frames = await asyncReader.ReadFramesAsync(buffer, TestContext.Current.CancellationToken)) > 0)
            all.AddRange(buffer.AsSpan(0, frames * 2));

        Assert.Equal(sync, all);
    }
}
