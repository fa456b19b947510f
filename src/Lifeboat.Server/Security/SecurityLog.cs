using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Security;

/// <summary>Never a password or a token secret in here: user names, addresses and token names only.</summary>
internal static partial class SecurityLog
{
    [LoggerMessage(1, LogLevel.Warning, "Failed login for user '{User}' from {Address} ({Failures} failures in a row)")]
    public static partial void LoginFailed(ILogger logger, string user, string? address, int failures);

    [LoggerMessage(2, LogLevel.Warning, "Login for user '{User}' from {Address} refused for {Seconds} s more after repeated failures")]
    public static partial void LoginThrottled(ILogger logger, string user, string? address, int seconds);

    [LoggerMessage(3, LogLevel.Information, "User '{User}' signed in from {Address}")]
    public static partial void LoggedIn(ILogger logger, string user, string? address);

    [LoggerMessage(4, LogLevel.Error, "The audit log could not keep '{Action} {Target}' by {Who}: {Error}")]
    public static partial void AuditNotWritten(ILogger logger, string action, string target, string who, string error);

    [LoggerMessage(5, LogLevel.Information, "Wrote a new admin API token to {Path} (mode 0600)")]
    public static partial void TokenFileWritten(ILogger logger, string path);

    [LoggerMessage(6, LogLevel.Information, "Serving HTTPS on {EndPoint}; certificate SHA-256 fingerprint {Fingerprint}")]
    public static partial void ServingHttps(ILogger logger, string endPoint, string fingerprint);

    [LoggerMessage(7, LogLevel.Warning, "Wrong current password for user '{User}' from {Address} when changing it ({Failures} failures in a row)")]
    public static partial void WrongCurrentPassword(ILogger logger, string user, string? address, int failures);
}
