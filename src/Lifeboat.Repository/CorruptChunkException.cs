namespace Lifeboat.Repository;

/// <summary>A chunk needed to read a disk is missing or fails its checks.</summary>
public sealed class CorruptChunkException : RepositoryException
{
    public CorruptChunkException(string chunkId, int diskIndex, long diskOffset, string reason)
        : base($"Disk {diskIndex} is damaged at offset {diskOffset}: chunk {chunkId} {reason}; verify the repository to see what else it affects.", RepositoryRemedy.Verify)
    {
        ChunkId = chunkId;
        DiskIndex = diskIndex;
        DiskOffset = diskOffset;
        Reason = reason;
    }

    /// <summary>Hex id of the damaged chunk.</summary>
    public string ChunkId { get; }

    public int DiskIndex { get; }

    /// <summary>Offset in the disk of the first byte of the damaged block.</summary>
    public long DiskOffset { get; }

    /// <summary>What is wrong, e.g. "fails its checksum".</summary>
    public string Reason { get; }
}
