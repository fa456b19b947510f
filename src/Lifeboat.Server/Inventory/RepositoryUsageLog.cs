using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Inventory;

internal static partial class RepositoryUsageLog
{
    [LoggerMessage(1, LogLevel.Warning, "Repository usage: {Repository} could not be sampled: {Reason}")]
    public static partial void SampleFailed(ILogger logger, string repository, string reason);

    [LoggerMessage(2, LogLevel.Error, "Repository usage: sampling failed; it tries again in {Hours} h")]
    public static partial void LoopFailed(ILogger logger, Exception exception, double hours);

    [LoggerMessage(3, LogLevel.Information, "Repository usage: {Deleted} old sample(s) thinned out")]
    public static partial void Thinned(ILogger logger, int deleted);
}
