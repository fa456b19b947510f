namespace Lifeboat.Repository;

/// <summary>
/// What a presence check of one restore point found: every block's chunk looked up in the in-memory index and every
/// pack file it points into long enough to hold its records. Nothing is read or decoded, so it takes milliseconds
/// however large the disks are; <see cref="BackupRepository.VerifyAsync"/> is the check that reads every byte.
/// </summary>
public sealed record ChunkPresenceReport(
    string RestorePointId,
    long Blocks,
    long ZeroBlocks,
    long Chunks,
    long StoredBytes,
    int Packs,
    IReadOnlyList<BadChunk> Missing,
    long MissingChunks)
{
    public bool Ok => MissingChunks == 0;
}
