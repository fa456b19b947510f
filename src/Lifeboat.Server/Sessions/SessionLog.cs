using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Sessions;

internal static partial class SessionLog
{
    [LoggerMessage(1, LogLevel.Information, "Session {SessionId}: {Phase} / {Step} started")]
    public static partial void StepStarted(ILogger logger, string sessionId, SessionPhase phase, string step);

    [LoggerMessage(2, LogLevel.Information, "Session {SessionId}: {Phase} / {Step} {Result} in {Seconds:0.000} s: {Message}")]
    public static partial void StepEnded(ILogger logger, string sessionId, SessionPhase phase, string step, StepResult result, double seconds, string? message);

    [LoggerMessage(3, LogLevel.Information, "Session {SessionId} is {State}")]
    public static partial void StateChanged(ILogger logger, string sessionId, SessionState state);

    [LoggerMessage(4, LogLevel.Error, "Session {SessionId}: an operation failed unexpectedly")]
    public static partial void OperationFailed(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(5, LogLevel.Warning, "Session {SessionId}: {Message}")]
    public static partial void Warning(ILogger logger, string sessionId, string message);

    [LoggerMessage(6, LogLevel.Information, "Session {SessionId}: {Message}")]
    public static partial void Note(ILogger logger, string sessionId, string message);
}
