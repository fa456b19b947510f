namespace Lifeboat.Repository;

/// <summary>Progress of a backup; bytes are logical disk bytes unless named "stored".</summary>
public sealed record BackupProgress(
    long BytesScanned,
    long TotalBytes,
    long BytesStored,
    long NewChunks,
    long DedupChunks,
    long ZeroBlocks);
