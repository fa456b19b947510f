namespace Lifeboat.FileRestore;

/// <summary>A block of a disk the backup could not give: where it is, which chunk, and what is wrong with that chunk.</summary>
/// <param name="Sequence">Counts every failed read of the disk, so a caller sees whether a new one happened since it last looked.</param>
public sealed record DamagedBlock(int Disk, long DiskOffset, string ChunkId, string Reason, long Sequence);
