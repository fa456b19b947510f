using Microsoft.Extensions.Logging;

namespace Lifeboat.Nfs.Datastore;

internal static partial class DatastoreLog
{
    [LoggerMessage(1, LogLevel.Information, "Published '{Publication}' with {Disks} disk(s) and {Files} generated file(s); client files in {CacheFolder}")]
    public static partial void Published(ILogger logger, string publication, int disks, int files, string cacheFolder);

    [LoggerMessage(2, LogLevel.Information, "Unpublished '{Publication}'; its handles are now stale")]
    public static partial void Unpublished(ILogger logger, string publication);

    [LoggerMessage(3, LogLevel.Error, "Disk {Operation} failed in publication '{Publication}'; the client gets NFS3ERR_IO")]
    public static partial void DiskError(ILogger logger, Exception exception, string operation, string publication);
}
