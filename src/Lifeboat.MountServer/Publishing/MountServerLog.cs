using Microsoft.Extensions.Logging;

namespace Lifeboat.MountServer.Publishing;

internal static partial class MountServerLog
{
    [LoggerMessage(1, LogLevel.Information, "Published {Publication}: VM {Vm}, restore point {RestorePointId}, writes to {CacheFolder}")]
    public static partial void Published(ILogger logger, string publication, string vm, string restorePointId, string cacheFolder);

    [LoggerMessage(2, LogLevel.Information, "Unpublished {Publication} and deleted its write cache")]
    public static partial void Unpublished(ILogger logger, string publication);

    [LoggerMessage(3, LogLevel.Error, "Could not publish {Publication} again after the restart: {Reason}")]
    public static partial void RepublishFailed(ILogger logger, string publication, string reason);

    [LoggerMessage(4, LogLevel.Error, "Could not listen at {Address} again after the restart, so its publications cannot be reached there: {Reason}")]
    public static partial void ServeAtFailed(ILogger logger, string address, string reason);
}
