using System.Buffers.Binary;

namespace Lifeboat.FileRestore.Archives.Zip;

/// <summary>The zip records' signatures and layouts (APPNOTE 6.3.10), and Info-ZIP's Unix extra fields.</summary>
internal static class ZipRecords
{
    public const uint LocalHeaderSignature = 0x04034b50;
    public const uint DataDescriptorSignature = 0x08074b50;
    public const uint CentralHeaderSignature = 0x02014b50;
    public const uint Zip64EndSignature = 0x06064b50;
    public const uint Zip64LocatorSignature = 0x07064b50;
    public const uint EndSignature = 0x06054b50;
    public const int LocalHeaderLength = 30;
    public const int CentralHeaderLength = 46;
    public const int Zip64EndLength = 56;
    public const int Zip64LocatorLength = 20;
    public const int EndLength = 22;

    /// <summary>Made by Unix (3), APPNOTE 6.3: the external attributes' high half is st_mode.</summary>
    public const ushort MadeByUnix = (3 << 8) | 63;
    public const ushort NeedsDeflate = 20;
    public const ushort NeedsZip64 = 45;
    public const ushort DataDescriptorFlag = 1 << 3;
    public const ushort Utf8Flag = 1 << 11;
    public const ushort Stored = 0;
    public const ushort Deflated = 8;
    public const uint Overflow32 = uint.MaxValue;
    public const ushort Overflow16 = ushort.MaxValue;

    public const ushort Zip64Tag = 0x0001;
    public const ushort ExtendedTimestampTag = 0x5455;
    public const ushort UnixOwnersTag = 0x7875;

    /// <summary>The length of the two Info-ZIP fields: extended timestamp (mtime only) and Unix uid/gid (4 bytes each).</summary>
    public const int UnixExtraLength = 4 + 5 + 4 + 11;

    /// <summary>Writes 0x5455 (flags 1: mtime) and 0x7875 (version 1, uid and gid as 4 bytes).</summary>
    public static void WriteUnixExtra(Span<byte> extra, long modifiedAt, long uid, long gid)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(extra, ExtendedTimestampTag);
        BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], 5);
        extra[4] = 1;
        BinaryPrimitives.WriteInt32LittleEndian(extra[5..], (int)Math.Clamp(modifiedAt, int.MinValue, int.MaxValue));
        BinaryPrimitives.WriteUInt16LittleEndian(extra[9..], UnixOwnersTag);
        BinaryPrimitives.WriteUInt16LittleEndian(extra[11..], 11);
        extra[13] = 1;
        extra[14] = 4;
        BinaryPrimitives.WriteUInt32LittleEndian(extra[15..], (uint)Math.Clamp(uid, 0, uint.MaxValue));
        extra[19] = 4;
        BinaryPrimitives.WriteUInt32LittleEndian(extra[20..], (uint)Math.Clamp(gid, 0, uint.MaxValue));
    }

    /// <summary>MS-DOS date and time (local time in the format; we write UTC, the 0x5455 field holds the exact time).</summary>
    public static uint DosTime(long unixSeconds)
    {
        var time = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(unixSeconds, 315532800L, 4354819198L)).UtcDateTime;
        var date = ((time.Year - 1980) << 9) | (time.Month << 5) | time.Day;
        var clock = (time.Hour << 11) | (time.Minute << 5) | (time.Second / 2);
        return (uint)((date << 16) | clock);
    }
}
