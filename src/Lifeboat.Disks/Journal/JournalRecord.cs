using System.Buffers.Binary;
using System.IO.Hashing;

namespace Lifeboat.Disks.Journal;

/// <summary>
/// One 32-byte journal record (little-endian): magic "LBJR", u8 version, u8 type, u16 reserved (0), u64 A, u64 B,
/// u32 sequence (the record's index in the file, so a record is only valid where it was written), u32 Crc32 of the
/// 28 bytes before it.
/// </summary>
internal readonly record struct JournalRecord(JournalRecordType Type, long A, long B)
{
    public const int Size = 32;
    public const byte CurrentVersion = 1;
    private const uint Magic = 0x524A424C; // "LBJR" read as a little-endian u32

    public static JournalRecord MapClusters(long firstCluster, long clusterCount) => new(JournalRecordType.MapClusters, firstCluster, clusterCount);

    public static JournalRecord SetLength(long length) => new(JournalRecordType.SetLength, length, 0);

    public static JournalRecord MapClustersWritten(long firstCluster, long clusterCount) => new(JournalRecordType.MapClustersWritten, firstCluster, clusterCount);

    public static JournalRecord Boot(MachineBoot boot) => new(JournalRecordType.Boot, boot.High, boot.Low);

    public void Write(Span<byte> destination, uint sequence)
    {
        destination = destination[..Size];
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        destination[4] = CurrentVersion;
        destination[5] = (byte)Type;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], A);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], B);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[28..], Crc32.HashToUInt32(destination[..28]));
    }

    /// <summary>
    /// Reads the record expected at <paramref name="sequence"/>. False means the journal ends here: a torn or never
    /// written record, which is what a crash during an append leaves behind.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, uint sequence, out JournalRecord record)
    {
        record = default;
        if (source.Length < Size
            || BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic
            || BinaryPrimitives.ReadUInt32LittleEndian(source[28..]) != Crc32.HashToUInt32(source[..28])
            || source[4] != CurrentVersion
            || BinaryPrimitives.ReadUInt32LittleEndian(source[24..]) != sequence)
        {
            return false;
        }

        var type = (JournalRecordType)source[5];
        if (type is not (JournalRecordType.MapClusters or JournalRecordType.SetLength or JournalRecordType.MapClustersWritten or JournalRecordType.Boot))
            return false;
        record = new JournalRecord(type, BinaryPrimitives.ReadInt64LittleEndian(source[8..]), BinaryPrimitives.ReadInt64LittleEndian(source[16..]));
        return true;
    }
}
