using Lifeboat.Repository.Chunks;

namespace Lifeboat.Repository.Packs;

/// <summary>One chunk record of a pack as its index file lists it.</summary>
internal readonly record struct PackIndexEntry(ChunkId Id, long Offset, int StoredLength, int RawLength, CompressionCodec Codec)
{
    public const int EncodedSize = ChunkId.Size + 8 + 4 + 4 + 1;

    public int RecordLength => ChunkRecordHeader.Size + StoredLength;
}
