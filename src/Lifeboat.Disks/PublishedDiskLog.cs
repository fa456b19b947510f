using Microsoft.Extensions.Logging;

namespace Lifeboat.Disks;

internal static partial class PublishedDiskLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Created the write cache of {Disk} in {Folder}: {Length} bytes, clusters of {ClusterSize} bytes")]
    public static partial void CacheCreated(ILogger logger, string disk, string folder, long length, int clusterSize);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Reopened the write cache of {Disk} in {Folder}: {Clusters} written clusters from {Records} journal records")]
    public static partial void CacheReopened(ILogger logger, string disk, string folder, long clusters, long records);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Ignored {Bytes} bytes at the end of the write-cache journal of {Disk}: a write that a crash interrupted before it was acknowledged")]
    public static partial void TornTailIgnored(ILogger logger, string disk, long bytes);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Compacted the write-cache journal of {Disk} from {Before} to {After} records")]
    public static partial void JournalCompacted(ILogger logger, string disk, long before, long after);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Hydration of {Disk} reached its limit of {Limit} bytes; further reads go to the backup")]
    public static partial void HydrationLimitReached(ILogger logger, string disk, long limit);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "The write-cache folder of {Disk} is full: dropped its hydrated copies to make room for the VM's writes, and stopped hydrating")]
    public static partial void HydrationReleased(ILogger logger, string disk);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Dropped {Records} journal records of writes to {Disk} that were acknowledged but never committed before the machine restarted: their data may not have reached the disk, so the backup shows through there again")]
    public static partial void UncommittedWritesDropped(ILogger logger, string disk, long records);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "The write cache of {Disk} could not be made durable; it refuses further writes")]
    public static partial void CacheFaulted(ILogger logger, string disk, Exception exception);
}
