using System.Buffers.Binary;
using System.IO.Hashing;

namespace Lifeboat.Disks.Journal;

/// <summary>
/// The first 64 bytes of a write-cache journal: what the cache was made for. Layout (little-endian):
/// magic "LBWCJRNL", u16 version, u16 flags (0), u32 cluster size, u64 base length, i64 creation time (Unix ms),
/// 16-byte cache id, 12 reserved bytes (0), u32 Crc32 of the 60 bytes before it.
/// </summary>
internal readonly record struct JournalHeader(int ClusterSize, long BaseLength, long CreatedUnixMilliseconds, Guid CacheId)
{
    public const int Size = 64;
    /// <summary>Version 2 added the records of written clusters not yet durable and the boot records.</summary>
    public const ushort CurrentVersion = 2;
    public static ReadOnlySpan<byte> Magic => "LBWCJRNL"u8;

    public void Write(Span<byte> destination)
    {
        destination = destination[..Size];
        destination.Clear();
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], CurrentVersion);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], ClusterSize);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], BaseLength);
        BinaryPrimitives.WriteInt64LittleEndian(destination[24..], CreatedUnixMilliseconds);
        CacheId.TryWriteBytes(destination[32..48]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[60..], Crc32.HashToUInt32(destination[..60]));
    }

    /// <summary>Parses a header; returns a one-sentence reason when the bytes are not a valid header.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out JournalHeader header, out string? error)
    {
        header = default;
        if (source.Length < Size)
        {
            error = "its header is truncated";
            return false;
        }

        if (!source[..8].SequenceEqual(Magic))
        {
            error = "it does not start with the write-cache journal magic";
            return false;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(source[60..]) != Crc32.HashToUInt32(source[..60]))
        {
            error = "its header checksum does not match";
            return false;
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(source[8..]);
        if (version > CurrentVersion)
        {
            error = $"it uses journal format version {version} and this Lifeboat reads versions up to {CurrentVersion}: upgrade Lifeboat";
            return false;
        }

        int clusterSize = BinaryPrimitives.ReadInt32LittleEndian(source[12..]);
        long baseLength = BinaryPrimitives.ReadInt64LittleEndian(source[16..]);
        if (!PublishedDiskOptions.IsValidClusterSize(clusterSize) || baseLength < 0 || baseLength > PublishedDisk.MaxLength)
        {
            error = $"its header holds an impossible cluster size ({clusterSize}) or disk length ({baseLength})";
            return false;
        }

        header = new JournalHeader(clusterSize, baseLength, BinaryPrimitives.ReadInt64LittleEndian(source[24..]), new Guid(source[32..48]));
        error = null;
        return true;
    }
}
