using System.Buffers.Binary;
using System.Text;

namespace PLDistill.Models.Runtime;

/// <summary>
/// Marks one symbol-version requirement of an ELF64 shared library as weak, so the dynamic loader
/// accepts the library where that version is missing.
/// </summary>
/// <remarks>
/// Why this exists: TorchSharp 0.107's <c>libLibTorchSharp.so</c> requires <c>GLIBCXX_3.4.32</c> (GCC 13),
/// Debian 12's libstdc++ provides up to 3.4.30. The only symbol under that version,
/// <c>_ZSt21ios_base_library_initv</c>, is a link-time marker that no relocation uses, so declaring the
/// requirement weak (<c>VER_FLG_WEAK</c> in its <c>Vernaux</c> entry of <c>.gnu.version_r</c>) is enough.
/// The change is two bytes; everything else is left alone.
/// </remarks>
public static class ElfVersionRequirementPatcher
{
    private const uint SectionTypeGnuVerneed = 0x6ffffffe; // SHT_GNU_verneed
    private const ushort VersionFlagWeak = 0x2;            // VER_FLG_WEAK

    /// <summary>
    /// Sets <c>VER_FLG_WEAK</c> on every requirement named <paramref name="versionName"/> in <paramref name="elf"/>.
    /// Returns how many entries are weak afterwards (0: the library does not require that version).
    /// Idempotent: patching a patched image changes nothing.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed little-endian ELF64 image.</exception>
    public static int MarkWeak(Span<byte> elf, string versionName)
    {
        RequireElf64LittleEndian(elf);
        long sectionTableOffset = ReadInt64(elf, 0x28);
        int sectionEntrySize = ReadUInt16(elf, 0x3A);
        int sectionCount = ReadUInt16(elf, 0x3C);

        int weakEntries = 0;
        for (int section = 0; section < sectionCount; section++)
        {
            int header = Checked(sectionTableOffset + (long)section * sectionEntrySize, 64, elf);
            if (ReadUInt32(elf, header + 4) != SectionTypeGnuVerneed)
                continue;

            long verneedOffset = ReadInt64(elf, header + 0x18);
            int stringSection = ReadInt32(elf, header + 0x28);
            int verneedCount = ReadInt32(elf, header + 0x2C);
            int stringHeader = Checked(sectionTableOffset + (long)stringSection * sectionEntrySize, 64, elf);
            long stringTableOffset = ReadInt64(elf, stringHeader + 0x18);

            // Verneed { u16 version; u16 auxCount; u32 file; u32 auxOffset; u32 nextOffset }
            long verneed = verneedOffset;
            for (int need = 0; need < verneedCount; need++)
            {
                int needAt = Checked(verneed, 16, elf);
                int auxCount = ReadUInt16(elf, needAt + 2);
                long aux = verneed + ReadUInt32(elf, needAt + 8);

                // Vernaux { u32 hash; u16 flags; u16 other; u32 name; u32 nextOffset }
                for (int entry = 0; entry < auxCount; entry++)
                {
                    int auxAt = Checked(aux, 16, elf);
                    string name = ReadCString(elf, stringTableOffset + ReadUInt32(elf, auxAt + 8));
                    if (name == versionName)
                    {
                        ushort flags = ReadUInt16(elf, auxAt + 4);
                        BinaryPrimitives.WriteUInt16LittleEndian(elf[(auxAt + 4)..], (ushort)(flags | VersionFlagWeak));
                        weakEntries++;
                    }
                    aux += ReadUInt32(elf, auxAt + 12);
                }
                verneed += ReadUInt32(elf, needAt + 12);
            }
        }
        return weakEntries;
    }

    private static void RequireElf64LittleEndian(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7F || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF image");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("only little-endian ELF64 images are supported");
    }

    private static int Checked(long offset, int length, ReadOnlySpan<byte> elf) =>
        offset >= 0 && offset + length <= elf.Length
            ? (int)offset
            : throw new InvalidDataException($"ELF structure at offset {offset} lies outside the {elf.Length}-byte image");

    private static string ReadCString(ReadOnlySpan<byte> elf, long offset)
    {
        int start = Checked(offset, 1, elf);
        int length = elf[start..].IndexOf((byte)0);
        if (length < 0)
            throw new InvalidDataException($"unterminated string at offset {offset}");
        return Encoding.ASCII.GetString(elf.Slice(start, length));
    }

    private static ushort ReadUInt16(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b[Checked(at, 2, b)..]);
    private static uint ReadUInt32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b[Checked(at, 4, b)..]);
    private static int ReadInt32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadInt32LittleEndian(b[Checked(at, 4, b)..]);
    private static long ReadInt64(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadInt64LittleEndian(b[Checked(at, 8, b)..]);
}
