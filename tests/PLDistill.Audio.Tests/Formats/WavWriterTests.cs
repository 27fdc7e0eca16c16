using System.Buffers.Binary;
using PLDistill.Audio.Formats;
using PLDistill.Audio.Tests.TestSupport;

namespace PLDistill.Audio.Tests.Formats;

/// <summary>The writer's bytes checked against the RIFF/WAVE layout directly, not only through WavReader.</summary>
public class WavWriterTests
{
    [Fact]
    public void Writes_the_canonical_44_byte_PCM_header_with_patched_sizes()
    {
        var format = new PcmFormat(16_000, 2, SampleEncoding.Int16);
        byte[] file = TestAudio.WriteWav([0.5f, -0.5f, 0f, 0f, 0.25f, -0.25f], format);

        Assert.Equal(44 + 12, file.Length);
        Assert.Equal("RIFF"u8.ToArray(), file[..4]);
        Assert.Equal(file.Length - 8u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(4)));
        Assert.Equal("WAVEfmt "u8.ToArray(), file[8..16]);
        Assert.Equal(16u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(16)));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(20)));       // PCM
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(22)));       // channels
        Assert.Equal(16_000u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(24))); // rate
        Assert.Equal(64_000u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(28))); // byte rate
        Assert.Equal(4, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(32)));       // block align
        Assert.Equal(16, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(34)));      // bits
        Assert.Equal("data"u8.ToArray(), file[36..40]);
        Assert.Equal(12u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(40)));
        Assert.Equal(16_384, BinaryPrimitives.ReadInt16LittleEndian(file.AsSpan(44)));
        Assert.Equal(-16_384, BinaryPrimitives.ReadInt16LittleEndian(file.AsSpan(46)));
    }

    [Fact]
    public void Writes_an_extensible_header_with_the_KSDATAFORMAT_float_GUID()
    {
        var format = new PcmFormat(48_000, 6, SampleEncoding.Float32);
        byte[] file = TestAudio.WriteWav(new float[6], format, extensible: true);

        Assert.Equal(40u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(16)));
        Assert.Equal(0xFFFE, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(20)));
        Assert.Equal(22, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(36)));     // cbSize
        Assert.Equal(32, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(38)));     // valid bits
        Assert.Equal(0x3Fu, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(40)));  // 5.1 mask
        Assert.Equal(new Guid("00000003-0000-0010-8000-00aa00389b71"), new Guid(file.AsSpan(44, 16)));
        Assert.Equal("data"u8.ToArray(), file[60..64]);
        Assert.Equal(24u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(64)));
    }

    [Fact]
    public void An_odd_data_length_gets_a_pad_byte_outside_the_chunk_size()
    {
        var format = new PcmFormat(8_000, 1, SampleEncoding.UInt8);
        byte[] file = TestAudio.WriteWav([0f, 0.5f, -1f], format);

        Assert.Equal(44 + 3 + 1, file.Length);
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(40)));
        Assert.Equal(file.Length - 8u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(4)));
        Assert.Equal([128, 192, 0], file[44..47]);
    }

    [Fact]
    public void On_a_non_seekable_stream_the_sizes_stay_streaming_placeholders()
    {
        var memory = new MemoryStream();
        using (var writer = new WavWriter(new WriteOnlyPipe(memory), new PcmFormat(16_000, 1, SampleEncoding.Int16)))
            writer.WriteFrames([0.5f, 0.25f]);
        byte[] file = memory.ToArray();

        Assert.Equal(0xFFFF_FFFFu, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(4)));
        Assert.Equal(0xFFFF_FFFFu, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(40)));
        // And such output reads back as a stream of unknown length.
        using var reader = WavReader.Open(new NonSeekableStream(new MemoryStream(file)), "pipe");
        Assert.Null(reader.Header.DataLength);
        Assert.Equal([0.5f, 0.25f], TestAudio.ReadAll(reader.ReadFrames, 1));
    }

    [Fact]
    public void Create_writes_a_file_that_WavReader_opens()
    {
        string path = Path.Combine(Path.GetTempPath(), $"wavwriter-{Guid.NewGuid():N}.wav");
        try
        {
            using (var writer = WavWriter.Create(path, new PcmFormat(44_100, 2, SampleEncoding.Int24)))
            {
                writer.WriteFrames([0.5f, -0.5f]);
                writer.WriteFrames([0.25f, -0.25f]);
                Assert.Equal(2, writer.FramesWritten);
            }

            using var reader = WavReader.Open(File.OpenRead(path), path);
            Assert.Equal([0.5f, -0.5f, 0.25f, -0.25f], TestAudio.ReadAll(reader.ReadFrames, 2));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Partial_frames_are_rejected()
    {
        using var writer = new WavWriter(new MemoryStream(), new PcmFormat(16_000, 2, SampleEncoding.Int16));

        Assert.Throws<ArgumentException>(() => writer.WriteFrames([0f, 0f, 0f]));
    }
}
