using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.FileRestore;

internal static partial class FileRestoreLog
{
    [LoggerMessage(1, LogLevel.Information, "File-restore session {Id} opened by {User}: VM {Vm} restore point {RestorePoint}, publication {Publication}")]
    public static partial void Opened(ILogger logger, string id, string user, string vm, string restorePoint, string publication);

    [LoggerMessage(2, LogLevel.Information, "File-restore session {Id} closed ({Why})")]
    public static partial void Closed(ILogger logger, string id, string why);

    [LoggerMessage(3, LogLevel.Warning, "File-restore session {Id} did not close cleanly: {Problem}")]
    public static partial void CloseFailed(ILogger logger, string id, string problem);

    [LoggerMessage(4, LogLevel.Information, "Removed publication {Publication}, left by a file-restore session of the server's last run")]
    public static partial void LeftoverRemoved(ILogger logger, string publication);

    [LoggerMessage(5, LogLevel.Warning, "Publication {Publication}, left by a file-restore session of the server's last run, could not be removed: {Problem}")]
    public static partial void LeftoverNotRemoved(ILogger logger, string publication, string problem);

    [LoggerMessage(6, LogLevel.Warning, "File-restore session on VM {Vm} restore point {RestorePoint} for {User} not opened: {Why}")]
    public static partial void NotOpened(ILogger logger, string vm, string restorePoint, string user, string why);
}
