using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Jobs;

internal static partial class JobLog
{
    [LoggerMessage(1, LogLevel.Information, "Job {Job}: run {RunId} (attempt {Attempt}, {Trigger}) started")]
    public static partial void RunStarted(ILogger logger, string job, long runId, int attempt, string trigger);

    [LoggerMessage(2, LogLevel.Information, "Job {Job}: run {RunId} succeeded in {Seconds:0.000} s: restore point {RestorePointId}, {BytesRead} bytes read, {BytesStored} stored; retention {Retention}")]
    public static partial void RunSucceeded(ILogger logger, string job, long runId, double seconds, string restorePointId, long bytesRead, long bytesStored, string retention);

    [LoggerMessage(3, LogLevel.Warning, "Job {Job}: run {RunId} failed: {Error}; next try {RetryAt}")]
    public static partial void RunFailed(ILogger logger, string job, long runId, string error, string retryAt);

    [LoggerMessage(4, LogLevel.Error, "Job {Job}: run {RunId} failed unexpectedly")]
    public static partial void RunCrashed(ILogger logger, Exception exception, string job, long runId);

    [LoggerMessage(5, LogLevel.Warning, "Job {Job}: run {RunId} was interrupted by the server stopping; next try {RetryAt}")]
    public static partial void RunInterrupted(ILogger logger, string job, long runId, string retryAt);

    [LoggerMessage(6, LogLevel.Information, "Job {Job}: the scheduled run of {PlannedAt} is skipped, the previous run still goes on")]
    public static partial void ScheduledRunSkipped(ILogger logger, string job, DateTimeOffset plannedAt);

    [LoggerMessage(7, LogLevel.Information, "Job {Job} added: {Source}, {Schedule}, next run {NextRunAt}")]
    public static partial void Added(ILogger logger, string job, string source, string schedule, DateTimeOffset nextRunAt);

    [LoggerMessage(8, LogLevel.Information, "Job {Job} removed")]
    public static partial void Removed(ILogger logger, string job);

    [LoggerMessage(9, LogLevel.Error, "Jobs: scheduling failed; it looks again in {Seconds} s")]
    public static partial void SchedulingFailed(ILogger logger, Exception exception, double seconds);

    [LoggerMessage(20, LogLevel.Information, "Job {Job} changed: {Source}, {Schedule}, enabled {Enabled}, next run {NextRunAt}")]
    public static partial void Changed(ILogger logger, string job, string source, string schedule, bool enabled, DateTimeOffset nextRunAt);
}
