using Microsoft.Extensions.Logging;

namespace Lifeboat.Repository;

/// <summary>Source-generated log messages of the repository. Passwords and keys are never logged.</summary>
internal static partial class RepositoryLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Skipping index file {Path}: {Problem}. Verify the repository to see what it affects.")]
    public static partial void IndexSkipped(ILogger logger, string path, string problem);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Skipping restore point file {Path}: {Problem}.")]
    public static partial void RestorePointSkipped(ILogger logger, string path, string problem);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Backup of {Vm} started as restore point {RestorePointId} ({Disks} disks, {TotalBytes} bytes)")]
    public static partial void BackupStarted(ILogger logger, string vm, string restorePointId, int disks, long totalBytes);

    [LoggerMessage(EventId = 11, Level = LogLevel.Debug, Message = "Pack {PackId} written: {Chunks} chunks, {Bytes} bytes")]
    public static partial void PackWritten(ILogger logger, string packId, int chunks, long bytes);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Restore point {RestorePointId} committed: {NewChunks} new chunks, {DedupChunks} deduplicated, {StoredBytes} bytes stored in {ElapsedMs} ms")]
    public static partial void BackupCommitted(ILogger logger, string restorePointId, long newChunks, long dedupChunks, long storedBytes, long elapsedMs);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Backup {RestorePointId} failed and was cleaned up: {Reason}")]
    public static partial void BackupAbandoned(ILogger logger, string restorePointId, string reason);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "Disk {Disk}: reading only what changed since restore point {BaseRestorePointId}")]
    public static partial void ReadingChanges(ILogger logger, string disk, string baseRestorePointId);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "Disk {Disk}: reading it whole (deduplicated against the repository) because {Reason}")]
    public static partial void ReadingWhole(ILogger logger, string disk, string reason);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Retention removed restore point {RestorePointId}")]
    public static partial void RestorePointRemoved(ILogger logger, string restorePointId);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Garbage collection deleted pack {PackId} ({Reason})")]
    public static partial void PackDeleted(ILogger logger, string packId, string reason);

    [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "Garbage collection rewrote pack {PackId}: {LiveChunks} live chunks kept")]
    public static partial void PackRewritten(ILogger logger, string packId, int liveChunks);
}
