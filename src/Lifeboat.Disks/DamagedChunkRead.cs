namespace Lifeboat.Disks;

/// <summary>
/// A read of a published disk's backup that failed on a damaged or missing chunk: which disk of the restore point,
/// where in it, which chunk and what is wrong with it.
/// </summary>
/// <param name="DiskIndex">The restore point's disk.</param>
/// <param name="DiskOffset">The first byte of the damaged block in that disk.</param>
/// <param name="ChunkId">The chunk's hex id.</param>
/// <param name="Reason">What is wrong with it, e.g. "fails its checksum".</param>
/// <param name="Count">How many reads of this disk have failed on a damaged chunk so far, this one included.</param>
public sealed record DamagedChunkRead(int DiskIndex, long DiskOffset, string ChunkId, string Reason, long Count);
