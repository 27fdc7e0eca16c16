using System.Buffers.Binary;
using System.Text;

namespace PLDistill.Audio.Tests.TestSupport;

/// <summary>
/// Builds WAV files byte by byte, straight from the RIFF/WAVE layout and independently of WavWriter,
/// so tests can make both well-formed files and precisely broken ones.
/// </summary>
internal static class WavBytes
{
    /// <summary>Bytes 2..15 of the KSDATAFORMAT_SUBTYPE_* GUIDs (…-0000-0010-8000-00AA00389B71).</summary>
    public static readonly byte[] KsSuffix =
        [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    /// <summary>"RIFF", the correct size, "WAVE", then the chunks.</summary>
    public static byte[] Riff(params byte[][] chunks) => RiffWithSize(null, chunks);

    /// <summary>Like <see cref="Riff"/> but with a chosen RIFF size field (null: the correct one).</summary>
    public static byte[] RiffWithSize(uint? riffSize, params byte[][] chunks)
    {
        byte[] body = Concat(chunks);
        var file = new byte[12 + body.Length];
        Encoding.ASCII.GetBytes("RIFF").CopyTo(file, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), riffSize ?? (uint)(4 + body.Length));
        Encoding.ASCII.GetBytes("WAVE").CopyTo(file, 8);
        body.CopyTo(file, 12);
        return file;
    }

    /// <summary>A chunk: 4-character id, size (declared, or the body length), body, and a pad byte if the body is odd.</summary>
    public static byte[] Chunk(string id, byte[] body, uint? declaredSize = null)
    {
        int pad = body.Length % 2;
        var chunk = new byte[8 + body.Length + pad];
        Encoding.ASCII.GetBytes(id).CopyTo(chunk, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(4), declaredSize ?? (uint)body.Length);
        body.CopyTo(chunk, 8);
        return chunk;
    }

    /// <summary>A classic 16-byte fmt chunk; block align and byte rate default to the consistent values.</summary>
    public static byte[] Fmt(ushort tag, ushort channels, uint sampleRate, ushort bits, ushort? blockAlign = null)
    {
        ushort align = blockAlign ?? (ushort)(channels * ((bits + 7) / 8));
        var body = new byte[16];
        WriteFmtFields(body, tag, channels, sampleRate, bits, align);
        return Chunk("fmt ", body);
    }

    /// <summary>A 40-byte WAVE_FORMAT_EXTENSIBLE fmt chunk whose SubFormat GUID starts with <paramref name="subTag"/>.</summary>
    public static byte[] FmtExtensible(ushort channels, uint sampleRate, ushort bits, ushort subTag,
        ushort validBits = 0, uint channelMask = 0, byte[]? guidSuffix = null, ushort cbSize = 22)
    {
        var body = new byte[40];
        WriteFmtFields(body, 0xFFFE, channels, sampleRate, bits, (ushort)(channels * (bits / 8)));
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(16), cbSize);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(18), validBits == 0 ? bits : validBits);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(20), channelMask);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(24), subTag);
        (guidSuffix ?? KsSuffix).CopyTo(body, 26);
        return Chunk("fmt ", body);
    }

    /// <summary>Little-endian 16-bit samples.</summary>
    public static byte[] Int16Samples(params short[] samples)
    {
        var bytes = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++)
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), samples[i]);
        return bytes;
    }

    /// <summary>Little-endian 32-bit float samples.</summary>
    public static byte[] Float32Samples(params float[] samples)
    {
        var bytes = new byte[samples.Length * 4];
        for (int i = 0; i < samples.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), samples[i]);
        return bytes;
    }

    /// <summary>A mono 16 kHz 16-bit PCM file holding <paramref name="samples"/>.</summary>
    public static byte[] SimplePcm16(params short[] samples) =>
        Riff(Fmt(1, 1, 16_000, 16), Chunk("data", Int16Samples(samples)));

    public static byte[] Concat(params byte[][] parts)
    {
        var all = new byte[parts.Sum(p => p.Length)];
        int at = 0;
        foreach (byte[] part in parts)
        {
            part.CopyTo(all, at);
            at += part.Length;
        }
        return all;
    }

    private static void WriteFmtFields(Span<byte> body, ushort tag, ushort channels, uint sampleRate, ushort bits, ushort blockAlign)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(body, tag);
        BinaryPrimitives.WriteUInt16LittleEndian(body[2..], channels);
        BinaryPrimitives.WriteUInt32LittleEndian(body[4..], sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(body[8..], sampleRate * blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(body[12..], blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(body[14..], bits);
    }
}
