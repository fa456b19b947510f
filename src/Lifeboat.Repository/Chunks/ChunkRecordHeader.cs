using System.Buffers.Binary;

namespace Lifeboat.Repository.Chunks;

/// <summary>
/// The 52-byte header before each chunk in a pack, enough to rebuild an index from the pack alone:
/// u32 magic, u8 version, u8 codec, u8 flags (bit0 encrypted), u8 reserved, u32 rawLength,
/// u32 storedLength, 32-byte chunk id, u32 Crc32 of the stored bytes. Little-endian.
/// </summary>
internal readonly record struct ChunkRecordHeader(
    CompressionCodec Codec,
    byte Flags,
    int RawLength,
    int StoredLength,
    ChunkId Id,
    uint StoredCrc32)
{
    public const int Size = 52;
    public const uint Magic = 0x4B43424C; // "LBCK"
    public const byte CurrentVersion = 1;
    public const byte FlagEncrypted = 1;

    public bool Encrypted => (Flags & FlagEncrypted) != 0;

    public int RecordLength => Size + StoredLength;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        destination[4] = CurrentVersion;
        destination[5] = (byte)Codec;
        destination[6] = Flags;
        destination[7] = 0;
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], RawLength);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], StoredLength);
        Id.WriteTo(destination[16..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[48..], StoredCrc32);
    }

    /// <summary>
    /// Parses and sanity-checks a header. <paramref name="maxRawLength"/> caps both lengths so a damaged
    /// header can never make a reader allocate more than one block.
    /// </summary>
    public static ChunkRecordStatus TryRead(ReadOnlySpan<byte> source, int maxRawLength, out ChunkRecordHeader header)
    {
        header = default;
        if (source.Length < Size)
        {
            return ChunkRecordStatus.NeedMoreData;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic || source[4] != CurrentVersion)
        {
            return ChunkRecordStatus.BadHeader;
        }

        var codec = (CompressionCodec)source[5];
        byte flags = source[6];
        int raw = BinaryPrimitives.ReadInt32LittleEndian(source[8..]);
        int stored = BinaryPrimitives.ReadInt32LittleEndian(source[12..]);
        bool encrypted = (flags & FlagEncrypted) != 0;
        if (codec > CompressionCodec.Zstd || (flags & ~FlagEncrypted) != 0 || source[7] != 0
            || raw <= 0 || raw > maxRawLength
            || stored <= 0 || stored > MaxStoredLength(raw, encrypted)
            || (codec == CompressionCodec.None && stored != raw + (encrypted ? Crypto.AuthenticatedCipher.Overhead : 0)))
        {
            return ChunkRecordStatus.BadHeader;
        }

        header = new ChunkRecordHeader(codec, flags, raw, stored, ChunkId.Read(source[16..]), BinaryPrimitives.ReadUInt32LittleEndian(source[48..]));
        return ChunkRecordStatus.Ok;
    }

    /// <summary>Compressed data is only kept when it is smaller than the block, so this bounds every record.</summary>
    public static int MaxStoredLength(int rawLength, bool encrypted) =>
        rawLength + (encrypted ? Crypto.AuthenticatedCipher.Overhead : 0);
}
