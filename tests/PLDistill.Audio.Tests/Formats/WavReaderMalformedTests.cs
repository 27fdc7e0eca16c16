using System.Buffers.Binary;
using System.Text;
using PLDistill.Audio.Formats;
using PLDistill.Audio.Tests.TestSupport;
using static PLDistill.Audio.Tests.TestSupport.WavBytes;

namespace PLDistill.Audio.Tests.Formats;

/// <summary>Broken input must raise <see cref="AudioFormatException"/> with the right problem and a precise message, and nothing else.</summary>
public class WavReaderMalformedTests
{
    public static TheoryData<bool> SeekableOrPipe() => new(true, false);

    /// <summary>Opens and reads everything; returns the exception, failing if it is missing or of any other type.</summary>
    private static AudioFormatException Fails(byte[] bytes, bool seekable = true, string name = "bad.wav")
    {
        Stream input = seekable ? new MemoryStream(bytes) : new NonSeekableStream(new MemoryStream(bytes));
        var error = Assert.Throws<AudioFormatException>(() => OpenAndReadAll(input, name));
        Assert.Equal(name, error.InputName);
        Assert.StartsWith($"{name}: ", error.Message, StringComparison.Ordinal);
        return error;
    }

    private static void OpenAndReadAll(Stream input, string name)
    {
        using var reader = WavReader.Open(input, name);
        TestAudio.ReadAll(reader.ReadFrames, reader.Format.Channels, 1_000);
    }

    /// <summary>A valid file with a LIST chunk (odd size), a fact chunk and 100 stereo frames.</summary>
    private static (byte[] File, int HeaderLength) WellFormedFile()
    {
        byte[] header = Concat(Chunk("LIST", Encoding.ASCII.GetBytes("INFOISFT")), Fmt(1, 2, 44_100, 16), Chunk("fact", [100, 0, 0, 0]));
        byte[] file = Riff(header, Chunk("data", Int16Samples(new short[200])));
        return (file, 12 + header.Length + 8);
    }

    [Theory]
    [MemberData(nameof(SeekableOrPipe))]
    public void A_file_cut_at_any_byte_of_the_header_or_early_data_is_truncated(bool seekable)
    {
        (byte[] file, int headerLength) = WellFormedFile();

        for (int cut = 0; cut <= headerLength + 6; cut++)
        {
            var error = Fails(file[..cut], seekable, $"cut-{cut}.wav");
            // The first 12 bytes may read either as a cut-short WAV or as not a WAV at all.
            if (cut >= 12 || error.Problem != AudioFormatProblem.NotWave)
                Assert.True(error.Problem == AudioFormatProblem.Truncated, $"cut at {cut}: {error.Problem}: {error.Message}");
        }
    }

    [Fact]
    public void A_pipe_ending_inside_declared_data_reports_how_much_arrived()
    {
        (byte[] file, int headerLength) = WellFormedFile();
        int delivered = 41; // not a whole number of 4-byte frames either
        var error = Fails(file[..(headerLength + delivered)], seekable: false);

        Assert.Equal(AudioFormatProblem.Truncated, error.Problem);
        Assert.Contains($"data ended after {delivered} of 400 declared bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pipe_ending_inside_data_still_delivers_the_frames_that_arrived()
    {
        (byte[] file, int headerLength) = WellFormedFile();
        using var reader = WavReader.Open(new NonSeekableStream(new MemoryStream(file[..(headerLength + 41)])), "pipe");

        var buffer = new float[2 * 1_000];
        int frames = 0;
        void ReadForever()
        {
            while (true)
                frames += reader.ReadFrames(buffer);
        }
        Assert.Throws<AudioFormatException>(ReadForever);
        Assert.Equal(10, frames); // 41 bytes hold ten whole 4-byte frames
    }

    [Fact]
    public void An_mp3_file_is_not_a_wav()
    {
        byte[] mp3 = [0x49, 0x44, 0x33, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x23, 0xFF, 0xFB, 0x90, 0x64];

        var error = Fails(mp3);

        Assert.Equal(AudioFormatProblem.NotWave, error.Problem);
        Assert.Contains("not a WAV file: starts with bytes 49 44 33", error.Message, StringComparison.Ordinal);
        Assert.Contains("MP3", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OggS\0\u0002\0\0\0\0\0\0\0\0")]
    [InlineData("fLaC\0\0\0\"\u0012\0")]
    [InlineData("hello, this is text")]
    [InlineData("RIFF\u0010\0\0\0AVI LIST")]
    public void Other_files_are_not_wavs(string start)
    {
        var error = Fails(Encoding.Latin1.GetBytes(start));

        Assert.Equal(AudioFormatProblem.NotWave, error.Problem);
    }

    [Fact]
    public void RF64_is_named_as_unsupported()
    {
        byte[] rf64 = [.. "RF64"u8, 0xFF, 0xFF, 0xFF, 0xFF, .. "WAVEds64"u8, 28, 0, 0, 0];

        var error = Fails(rf64);

        Assert.Equal(AudioFormatProblem.UnsupportedEncoding, error.Problem);
        Assert.Contains("RF64 is not supported", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x0002, "MS ADPCM")]
    [InlineData(0x0006, "A-law")]
    [InlineData(0x0007, "mu-law")]
    [InlineData(0x0011, "IMA ADPCM")]
    [InlineData(0x0031, "GSM 6.10")]
    [InlineData(0x0050, "MPEG")]
    [InlineData(0x0055, "MP3")]
    [InlineData(0x1234, "format tag 0x1234")]
    [InlineData(0x0000, "format tag 0x0000")]
    public void Unsupported_codecs_are_named(int tag, string name)
    {
        byte[] file = Riff(Fmt((ushort)tag, 1, 8_000, 4, blockAlign: 256), Chunk("data", new byte[256]));

        var error = Fails(file);

        Assert.Equal(AudioFormatProblem.UnsupportedEncoding, error.Problem);
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsupported_codec_inside_an_extensible_header_is_named()
    {
        byte[] file = Riff(FmtExtensible(1, 8_000, 8, subTag: 7), Chunk("data", new byte[8]));

        var error = Fails(file);

        Assert.Equal(AudioFormatProblem.UnsupportedEncoding, error.Problem);
        Assert.Contains("mu-law", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_extensible_SubFormat_GUID_outside_the_KSDATAFORMAT_family_is_rejected()
    {
        byte[] suffix = [.. KsSuffix];
        suffix[^1] ^= 0xFF;
        byte[] file = Riff(FmtExtensible(2, 48_000, 16, subTag: 1, guidSuffix: suffix), Chunk("data", new byte[8]));

        var error = Fails(file);

        Assert.Equal(AudioFormatProblem.UnsupportedEncoding, error.Problem);
        Assert.Contains("sub-format", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_extensible_header_with_a_short_extension_is_corrupt()
    {
        byte[] file = Riff(FmtExtensible(2, 48_000, 16, subTag: 1, cbSize: 0), Chunk("data", new byte[8]));

        Assert.Equal(AudioFormatProblem.CorruptHeader, Fails(file).Problem);
    }

    [Fact]
    public void An_extensible_header_claiming_more_valid_bits_than_the_container_is_corrupt()
    {
        byte[] file = Riff(FmtExtensible(1, 48_000, 16, subTag: 1, validBits: 24), Chunk("data", new byte[8]));

        Assert.Equal(AudioFormatProblem.CorruptHeader, Fails(file).Problem);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    [InlineData(65_535)]
    public void Channel_counts_outside_one_to_eight_are_rejected(int channels)
    {
        byte[] file = Riff(Fmt(1, (ushort)channels, 16_000, 16), Chunk("data", new byte[64]));

        var error = Fails(file);

        Assert.Equal(AudioFormatProblem.UnsupportedChannelCount, error.Problem);
        Assert.Contains($"{channels} channels", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4_000u)]
    [InlineData(7_999u)]
    [InlineData(192_001u)]
    [InlineData(400_000u)]
    [InlineData(0u)]
    [InlineData(uint.MaxValue)]
    public void Sample_rates_outside_8_to_192_kHz_are_rejected(uint rate)
    {
        byte[] file = Riff(Fmt(1, 1, rate, 16), Chunk("data", new byte[64]));

        var error = Fails(file);

        Assert.Equal(AudioFormatProblem.UnsupportedSampleRate, error.Problem);
        Assert.Contains($"{rate} Hz", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 12)]
    [InlineData(1, 20)]
    [InlineData(1, 0)]
    [InlineData(1, 64)]
    [InlineData(3, 16)]
    [InlineData(3, 24)]
    [InlineData(3, 8)]
    public void Bit_depths_outside_the_supported_set_for_the_tag_are_rejected(int tag, int bits)
    {
        byte[] file = Riff(Fmt((ushort)tag, 1, 16_000, (ushort)bits, blockAlign: 4), Chunk("data", new byte[64]));

        var error = Fails(file);

        Assert.Equal(AudioFormatProblem.UnsupportedEncoding, error.Problem);
        Assert.Contains($"{bits}-bit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_block_align_that_does_not_match_the_channels_and_sample_size_is_corrupt()
    {
        byte[] file = Riff(Fmt(1, 2, 16_000, 16, blockAlign: 2), Chunk("data", new byte[64]));

        var error = Fails(file);

        Assert.Equal(AudioFormatProblem.CorruptHeader, error.Problem);
        Assert.Contains("block align is 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("need 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_data_chunk_longer_than_the_file_is_an_absurd_size()
    {
        byte[] file = Riff(Fmt(1, 1, 16_000, 16), Chunk("data", new byte[1_200], declaredSize: 96_000));

        var error = Fails(file, seekable: true);

        Assert.Equal(AudioFormatProblem.AbsurdSize, error.Problem);
        Assert.Contains("data chunk declares 96000 bytes but only 1200 remain in the file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_chunk_longer_than_the_file_is_an_absurd_size()
    {
        byte[] file = Riff(Fmt(1, 1, 16_000, 16), Chunk("LIST", new byte[10], declaredSize: 1_000_000), Chunk("data", new byte[8]));

        var error = Fails(file, seekable: true);

        Assert.Equal(AudioFormatProblem.AbsurdSize, error.Problem);
        Assert.Contains("LIST chunk declares 1000000 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void On_a_pipe_a_data_chunk_longer_than_the_input_is_truncated_data()
    {
        byte[] file = Riff(Fmt(1, 1, 16_000, 16), Chunk("data", new byte[1_200], declaredSize: 96_000));

        var error = Fails(file, seekable: false);

        Assert.Equal(AudioFormatProblem.Truncated, error.Problem);
        Assert.Contains("data ended after 1200 of 96000 declared bytes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(SeekableOrPipe))]
    public void A_file_without_a_data_chunk_is_corrupt(bool seekable)
    {
        byte[] file = Riff(Fmt(1, 1, 16_000, 16), Chunk("LIST", new byte[7]));

        var error = Fails(file, seekable);

        Assert.Equal(AudioFormatProblem.CorruptHeader, error.Problem);
        Assert.Contains("no data chunk", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(SeekableOrPipe))]
    public void A_data_chunk_before_the_fmt_chunk_is_corrupt(bool seekable)
    {
        byte[] file = Riff(Chunk("data", new byte[8]), Fmt(1, 1, 16_000, 16));

        var error = Fails(file, seekable);

        Assert.Equal(AudioFormatProblem.CorruptHeader, error.Problem);
        Assert.Contains("before the fmt chunk", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_fmt_chunk_is_corrupt()
    {
        byte[] file = Riff(Fmt(1, 1, 16_000, 16), Fmt(1, 2, 16_000, 16), Chunk("data", new byte[8]));

        Assert.Equal(AudioFormatProblem.CorruptHeader, Fails(file).Problem);
    }

    [Theory]
    [InlineData(0u, AudioFormatProblem.CorruptHeader)]
    [InlineData(14u, AudioFormatProblem.CorruptHeader)]
    [InlineData(5_000u, AudioFormatProblem.AbsurdSize)]
    [InlineData(0xFFFF_FFF0u, AudioFormatProblem.AbsurdSize)]
    public void A_fmt_chunk_of_impossible_size_is_rejected(uint declaredSize, AudioFormatProblem problem)
    {
        byte[] fmt = Fmt(1, 1, 16_000, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(4), declaredSize);
        byte[] file = Riff(fmt, Chunk("data", new byte[6_000]));

        foreach (bool seekable in new[] { true, false })
        {
            var error = Fails(file, seekable);
            Assert.Equal(problem, error.Problem);
            Assert.Contains($"fmt chunk", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Garbage_chunk_ids_do_not_garble_the_message()
    {
        byte[] file = Riff(Fmt(1, 1, 16_000, 16), [0x01, 0x02, 0x0A, 0x7F, 0x40, 0x42, 0x0F, 0x00]);

        var error = Fails(file);

        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("0x01020A7F", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_bytes_never_raise_anything_but_AudioFormatException()
    {
        var random = new Random(20_240_601);
        byte[] valid = WellFormedFile().File;
        int accepted = 0, rejected = 0;

        for (int i = 0; i < 200; i++)
        {
            byte[] bytes = (i % 4) switch
            {
                0 => RandomBytes(random, random.Next(0, 300)),
                // A plausible RIFF/WAVE start, so the chunk parser sees garbage rather than the magic check.
                1 => [.. "RIFF"u8, .. RandomBytes(random, 4), .. "WAVE"u8, .. RandomBytes(random, random.Next(0, 300))],
                // A real file with a few bytes flipped in the header.
                2 => Mutate(random, valid, random.Next(1, 6), headerOnly: true),
                _ => Mutate(random, valid, random.Next(1, 6), headerOnly: false)[..random.Next(0, valid.Length)],
            };

            foreach (bool seekable in new[] { true, false })
            {
                Stream input = seekable ? new MemoryStream(bytes) : new NonSeekableStream(new MemoryStream(bytes), seed: i);
                try
                {
                    OpenAndReadAll(input, $"fuzz-{i}");
                    accepted++;
                }
                catch (AudioFormatException error)
                {
                    Assert.Equal($"fuzz-{i}", error.InputName);
                    rejected++;
                }
                // Any other exception type escapes and fails the test.
            }
        }

        Assert.True(rejected > 0, "the fuzz cases should include rejected input");
        Assert.True(accepted > 0, "the fuzz cases should include input that survives mutation");
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] original, int flips, bool headerOnly)
    {
        byte[] copy = [.. original];
        int range = headerOnly ? Math.Min(80, copy.Length) : copy.Length;
        for (int i = 0; i < flips; i++)
            copy[random.Next(range)] = (byte)random.Next(256);
        return copy;
    }
}
