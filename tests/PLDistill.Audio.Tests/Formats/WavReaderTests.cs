using System.Buffers.Binary;
using PLDistill.Audio.Formats;
using PLDistill.Audio.Tests.TestSupport;
using static PLDistill.Audio.Tests.TestSupport.WavBytes;

namespace PLDistill.Audio.Tests.Formats;

/// <summary>Well-formed files built byte by byte (not by WavWriter), read through seekable and pipe-like streams.</summary>
public class WavReaderTests
{
    private static readonly short[] Samples = [0, 16_384, -16_384, 32_767, -32_768, 1, -1, 12_345];

    public static TheoryData<bool> SeekableOrPipe() => new(true, false);

    private static Stream Input(byte[] bytes, bool seekable, int seed = 1) =>
        seekable ? new MemoryStream(bytes) : new NonSeekableStream(new MemoryStream(bytes), seed);

    private static float[] Expected(short[] samples) => samples.Select(s => s / 32_768f).ToArray();

    [Theory]
    [MemberData(nameof(SeekableOrPipe))]
    public void Reads_a_canonical_PCM_file(bool seekable)
    {
        byte[] file = SimplePcm16(Samples);

        using var reader = WavReader.Open(Input(file, seekable), "canonical.wav");

        Assert.Equal(new PcmFormat(16_000, 1, SampleEncoding.Int16), reader.Format);
        Assert.Equal(44, reader.Header.DataOffset);
        Assert.Equal(Samples.Length * 2L, reader.Header.DataLength);
        Assert.Equal(1, reader.Header.FormatTag);
        Assert.Equal("PCM", reader.Header.FormatName);
        Assert.False(reader.Header.IsExtensible);
        Assert.Equal(16, reader.Header.ValidBitsPerSample);
        Assert.Equal(TimeSpan.FromSeconds(Samples.Length / 16_000.0), reader.Header.Duration);
        Assert.Equal(Expected(Samples), TestAudio.ReadAll(reader.ReadFrames, 1, 3));
        Assert.Equal(Samples.Length, reader.FramesRead);
    }

    [Theory]
    [MemberData(nameof(SeekableOrPipe))]
    public void Skips_unknown_chunks_with_odd_sizes_before_and_after_fmt(bool seekable)
    {
        byte[] list = Chunk("LIST", [1, 2, 3, 4, 5]);          // odd: followed by a pad byte
        byte[] junk = Chunk("junk", [0xAA]);                   // odd again
        byte[] fact = Chunk("fact", [8, 0, 0, 0]);
        byte[] bext = Chunk("bext", new byte[10_001]);           // larger than any skip buffer, and odd
        byte[] fmt = Fmt(1, 1, 16_000, 16);
        byte[] file = Riff(list, junk, fmt, fact, bext, Chunk("data", Int16Samples(Samples)));

        using var reader = WavReader.Open(Input(file, seekable, seed: 5), "chunks.wav");

        Assert.Equal(12 + list.Length + junk.Length + fmt.Length + fact.Length + bext.Length + 8, reader.Header.DataOffset);
        Assert.Equal(Expected(Samples), TestAudio.ReadAll(reader.ReadFrames, 1));
    }

    [Theory]
    [MemberData(nameof(SeekableOrPipe))]
    public void Accepts_18_byte_fmt_chunks_with_cbSize(bool seekable)
    {
        byte[] fmt18 = Fmt(3, 1, 16_000, 32);
        // Grow the 16-byte body to 18 with cbSize = 0, as many float writers do.
        byte[] body = [.. fmt18.AsSpan(8, 16), 0, 0];
        byte[] file = Riff(Chunk("fmt ", body), Chunk("data", Float32Samples(0.25f, -0.75f)));

        using var reader = WavReader.Open(Input(file, seekable), "float.wav");

        Assert.Equal(SampleEncoding.Float32, reader.Format.Encoding);
        Assert.Equal("IEEE float", reader.Header.FormatName);
        Assert.Equal([0.25f, -0.75f], TestAudio.ReadAll(reader.ReadFrames, 1));
    }

    [Fact]
    public void Reports_extensible_valid_bits_and_channel_mask()
    {
        // 20 valid bits left-justified in 24-bit containers, stereo front left/right.
        byte[] samples = [0x00, 0x00, 0x40, 0x00, 0x00, 0xC0]; // +0.5, -0.5
        byte[] file = Riff(FmtExtensible(2, 96_000, 24, subTag: 1, validBits: 20, channelMask: 0x3), Chunk("data", samples));

        using var reader = WavReader.Open(new MemoryStream(file), "ext20.wav");

        Assert.Equal(20, reader.Header.ValidBitsPerSample);
        Assert.Equal(0x3u, reader.Header.ChannelMask);
        Assert.Equal(new PcmFormat(96_000, 2, SampleEncoding.Int24), reader.Format);
        Assert.Equal([0.5f, -0.5f], TestAudio.ReadAll(reader.ReadFrames, 2));
    }

    [Theory]
    [InlineData(0xFFFF_FFFFu)]
    [InlineData(0x7FFF_FFFFu)]
    [InlineData(0x7FFF_FFFEu)]
    [InlineData(0x7FFF_F000u)]
    [InlineData(0x7FFF_0000u)]   // GStreamer's wavenc on a pipe (RIFF size 0x7FFF0024)
    [InlineData(0u)]             // writers that never come back to fill the sizes in
    public void Streaming_length_headers_on_a_pipe_read_to_the_end(uint placeholder)
    {
        byte[] file = RiffWithSize(placeholder, Fmt(1, 1, 16_000, 16), Chunk("data", Int16Samples(Samples), placeholder));

        using var reader = WavReader.Open(Input(file, seekable: false), "stdin");

        Assert.Null(reader.Header.DataLength);
        Assert.Null(reader.Header.FrameCount);
        Assert.Equal(Expected(Samples), TestAudio.ReadAll(reader.ReadFrames, 1, 2));
    }

    [Fact]
    public void A_streamed_capture_saved_to_a_file_reads_what_the_file_holds()
    {
        byte[] file = RiffWithSize(0xFFFF_FFFF, Fmt(1, 1, 16_000, 16), Chunk("data", Int16Samples(Samples), 0xFFFF_FFFF));

        using var reader = WavReader.Open(new MemoryStream(file), "saved-from-arecord.wav");

        Assert.Null(reader.Header.DataLength);
        Assert.Equal(Expected(Samples), TestAudio.ReadAll(reader.ReadFrames, 1));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(4u)]
    public void A_file_whose_writer_left_both_sizes_unfilled_reads_what_the_file_holds(uint riffSize)
    {
        byte[] file = RiffWithSize(riffSize, Fmt(1, 1, 16_000, 16), Chunk("data", Int16Samples(Samples), 0));

        using var reader = WavReader.Open(new MemoryStream(file), "unfinished.wav");

        Assert.Null(reader.Header.DataLength);
        Assert.Equal(Expected(Samples), TestAudio.ReadAll(reader.ReadFrames, 1));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]   // `pld run - < empty.wav` and `cat empty.wav | pld run -` present it as a pipe
    public void An_empty_data_chunk_in_a_finished_file_stays_empty_and_the_chunks_after_it_are_not_audio(bool seekable)
    {
        byte[] file = Riff(Fmt(1, 1, 16_000, 16), Chunk("data", []), Chunk("LIST", Int16Samples(1_000, 2_000, 3_000)));

        using var reader = WavReader.Open(Input(file, seekable), "empty.wav");

        Assert.Equal(0L, reader.Header.DataLength);
        Assert.Empty(TestAudio.ReadAll(reader.ReadFrames, 1));
    }

    [Theory]
    [MemberData(nameof(SeekableOrPipe))]
    public void Never_reads_past_the_data_chunk(bool seekable)
    {
        // A LIST chunk after the audio must not be decoded as samples.
        byte[] trailer = Chunk("LIST", Int16Samples(1_000, 2_000, 3_000));
        byte[] file = Riff(Fmt(1, 1, 16_000, 16), Chunk("data", Int16Samples(Samples)), trailer);
        var memory = new MemoryStream(file);

        using var reader = WavReader.Open(seekable ? memory : new NonSeekableStream(memory), "trailer.wav", leaveOpen: true);
        float[] read = TestAudio.ReadAll(reader.ReadFrames, 1, 1_000);

        Assert.Equal(Expected(Samples), read);
        Assert.Equal(file.Length - trailer.Length, memory.Position);
    }

    [Theory]
    [MemberData(nameof(SeekableOrPipe))]
    public void A_trailing_partial_frame_is_dropped(bool seekable)
    {
        // Stereo 16-bit: 4-byte frames; 7 bytes of data hold one whole frame and 3 stray bytes.
        byte[] data = [.. Int16Samples(16_384, -16_384), 1, 2, 3];
        byte[] file = Riff(Fmt(1, 2, 16_000, 16), Chunk("data", data));

        using var reader = WavReader.Open(Input(file, seekable), "odd.wav");

        Assert.Equal(1L, reader.Header.FrameCount);
        Assert.Equal([0.5f, -0.5f], TestAudio.ReadAll(reader.ReadFrames, 2));
        Assert.Equal(1, reader.FramesRead);
    }

    [Theory]
    [MemberData(nameof(SeekableOrPipe))]
    public void Tolerates_a_wrong_RIFF_size(bool seekable)
    {
        foreach (uint riffSize in new uint[] { 0, 4, 36, 1_000_000 })
        {
            byte[] file = RiffWithSize(riffSize, Fmt(1, 1, 16_000, 16), Chunk("data", Int16Samples(Samples)));
            using var reader = WavReader.Open(Input(file, seekable), $"riff-{riffSize}.wav");
            Assert.Equal(Expected(Samples), TestAudio.ReadAll(reader.ReadFrames, 1));
        }
    }

    [Fact]
    public void Reads_from_the_current_position_of_a_stream()
    {
        byte[] prefix = [9, 9, 9];
        var memory = new MemoryStream([.. prefix, .. SimplePcm16(Samples)]);
        memory.Position = prefix.Length;

        using var reader = WavReader.Open(memory, "offset.wav");

        Assert.Equal(44, reader.Header.DataOffset);
        Assert.Equal(Expected(Samples), TestAudio.ReadAll(reader.ReadFrames, 1));
    }

    [Fact]
    public void An_empty_data_chunk_is_zero_frames()
    {
        using var reader = WavReader.Open(new MemoryStream(SimplePcm16()), "empty.wav");

        Assert.Equal(0L, reader.Header.FrameCount);
        Assert.Equal(0, reader.ReadFrames(new float[16]));
        Assert.Equal(0, reader.ReadFrames(new float[16]));
    }

    [Fact]
    public void A_destination_smaller_than_one_frame_is_rejected_rather_than_read_as_the_end()
    {
        byte[] file = Riff(Fmt(1, 6, 48_000, 16), Chunk("data", new byte[120]));
        using var reader = WavReader.Open(new MemoryStream(file), "six.wav");

        Assert.Throws<ArgumentException>(() => reader.ReadFrames(new float[5]));
        Assert.Equal(1, reader.ReadFrames(new float[6]));
    }

    [Fact]
    public void Dispose_closes_the_stream_unless_asked_to_leave_it_open()
    {
        var closed = new NonSeekableStream(new MemoryStream(SimplePcm16(Samples)));
        var kept = new NonSeekableStream(new MemoryStream(SimplePcm16(Samples)));

        WavReader.Open(closed, "a").Dispose();
        WavReader.Open(kept, "b", leaveOpen: true).Dispose();

        Assert.True(closed.IsDisposed);
        Assert.False(kept.IsDisposed);
    }

    [Fact]
    public void Reading_after_dispose_throws()
    {
        var reader = WavReader.Open(new MemoryStream(SimplePcm16(Samples)), "x");
        reader.Dispose();

        Assert.Throws<ObjectDisposedException>(() => reader.ReadFrames(new float[4]));
    }

    [Fact]
    public void Large_reads_do_not_load_the_whole_file_at_once()
    {
        // A pipe that counts reads: 10 s of audio must arrive through many bounded reads, not one giant buffer.
        var format = new PcmFormat(16_000, 1, SampleEncoding.Int16);
        byte[] file = TestAudio.WriteWav(new float[160_000], format);
        var counting = new CountingStream(new MemoryStream(file));

        using var reader = WavReader.Open(counting, "big.wav");
        int frames = reader.ReadFrames(new float[160_000]);

        Assert.InRange(frames, 1, 64 * 1024);
        Assert.InRange(counting.LargestRead, 1, 64 * 1024);
    }

    [Fact]
    public void Header_fields_come_from_the_bytes_at_their_documented_offsets()
    {
        // Cross-check WavBytes itself against the canonical 44-byte layout, so the other tests rest on solid ground.
        byte[] file = SimplePcm16(Samples);

        Assert.Equal("RIFF"u8.ToArray(), file[..4]);
        Assert.Equal((uint)file.Length - 8, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(4)));
        Assert.Equal("WAVEfmt "u8.ToArray(), file[8..16]);
        Assert.Equal(16u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(16)));
        Assert.Equal(32_000u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(28)));
        Assert.Equal("data"u8.ToArray(), file[36..40]);
        Assert.Equal((uint)Samples.Length * 2, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(40)));
    }
}
