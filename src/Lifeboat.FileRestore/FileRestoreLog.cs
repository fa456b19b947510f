using Microsoft.Extensions.Logging;

namespace Lifeboat.FileRestore;

internal static partial class FileRestoreLog
{
    [LoggerMessage(EventId = 1900, Level = LogLevel.Information, Message = "File-restore appliance {Appliance} started over {Drives} disk(s) in {Seconds:0.0} s; it found {FileSystems} file system(s)")]
    public static partial void ApplianceStarted(ILogger logger, string appliance, int drives, double seconds, int fileSystems);

    [LoggerMessage(EventId = 1901, Level = LogLevel.Information, Message = "File-restore appliance {Appliance} shut down")]
    public static partial void ApplianceClosed(ILogger logger, string appliance);

    [LoggerMessage(EventId = 1902, Level = LogLevel.Information, Message = "File-restore appliance {Appliance} was idle for {Idle} and is shut down")]
    public static partial void ApplianceIdle(ILogger logger, string appliance, TimeSpan idle);

    [LoggerMessage(EventId = 1903, Level = LogLevel.Warning, Message = "File system {FileSystem} ({Type}) of appliance {Appliance} cannot be browsed: {Problem}")]
    public static partial void FileSystemUnreadable(ILogger logger, string appliance, string fileSystem, string type, string problem);

    [LoggerMessage(EventId = 1904, Level = LogLevel.Warning, Message = "Reading {Path} in appliance {Appliance} failed: {Reason}")]
    public static partial void ReadFailed(ILogger logger, string appliance, string path, string reason);

    [LoggerMessage(EventId = 1905, Level = LogLevel.Information, Message = "File-restore appliance {Appliance} starting over {Drives} disk(s)")]
    public static partial void ApplianceStarting(ILogger logger, string appliance, int drives);

    [LoggerMessage(EventId = 1906, Level = LogLevel.Information, Message = "File-restore appliance {Appliance} start cancelled after {Seconds:0.0} s; the processes it had started were killed")]
    public static partial void ApplianceStartCancelled(ILogger logger, string appliance, double seconds);
}
