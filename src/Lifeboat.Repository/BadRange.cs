namespace Lifeboat.Repository;

/// <summary>A damaged range of a restored disk that was written as zeros.</summary>
public sealed record BadRange(int DiskIndex, long Offset, long Length, string ChunkId, string Reason);
