using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Health;

internal static partial class HealthLog
{
    [LoggerMessage(1, LogLevel.Warning, "The backup health check failed; it runs again in {Seconds} s")]
    public static partial void CheckFailed(ILogger logger, Exception exception, double seconds);
}
