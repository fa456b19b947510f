namespace Lifeboat.FileRestore.Archives.Tar;

/// <summary>The offsets of a 512-byte ustar header's fields, and its checksum.</summary>
internal static class TarHeader
{
    public const int BlockSize = 512;
    public const int NameLength = 100;
    public const int Mode = 100;
    public const int Uid = 108;
    public const int Gid = 116;
    public const int Size = 124;
    public const int ModifiedAt = 136;
    public const int Checksum = 148;
    public const int TypeFlag = 156;
    public const int LinkName = 157;
    public const int Magic = 257;
    public const int UserName = 265;
    public const int GroupName = 297;
    public const int NameFieldLength = 32;
    public const int DeviceMajor = 329;
    public const int DeviceMinor = 337;
    public const int Prefix = 345;
    public const int PrefixLength = 155;

    /// <summary>POSIX ustar: "ustar\0" then version "00"; the prefix field extends the name.</summary>
    public static ReadOnlySpan<byte> PosixMagic => "ustar\0"u8;

    /// <summary>GNU: "ustar  \0" (magic and version run together); bytes 345.. are not a prefix.</summary>
    public static ReadOnlySpan<byte> GnuMagic => "ustar  \0"u8;

    /// <summary>The sum of the header's bytes with the checksum field read as spaces (unsigned, as POSIX says).</summary>
    public static long Sum(ReadOnlySpan<byte> header, bool signed)
    {
        long sum = 0;
        for (var i = 0; i < BlockSize; i++)
        {
            var b = i is >= Checksum and < Checksum + 8 ? (byte)' ' : header[i];
            sum += signed ? (sbyte)b : b;
        }

        return sum;
    }

    /// <summary>The bytes of a NUL-terminated field.</summary>
    public static ReadOnlySpan<byte> Text(ReadOnlySpan<byte> field)
    {
        var nul = field.IndexOf((byte)0);
        return nul < 0 ? field : field[..nul];
    }
}
