namespace Lifeboat.Repository.Packs;

/// <summary>Where a chunk record is: pack number (position in the index's pack table), offset and stored length.</summary>
internal readonly record struct ChunkLocation(int PackNumber, long Offset, int StoredLength);
