using Microsoft.Extensions.Logging;

namespace Lifeboat.MountServer.Control;

internal static partial class ControlLog
{
    [LoggerMessage(1, LogLevel.Information, "Control socket listening on {Path} (mode {Mode}, group {Group})")]
    public static partial void Listening(ILogger logger, string path, string mode, string group);

    [LoggerMessage(2, LogLevel.Warning, "Control call {Procedure} refused for {Caller}: only root and members of group lifeboat may control the mount server")]
    public static partial void Refused(ILogger logger, ControlProc procedure, string caller);

    [LoggerMessage(3, LogLevel.Information, "Control {Action} of {Target} by uid {Uid} pid {Pid}: {Outcome}")]
    public static partial void Changed(ILogger logger, string action, string target, uint uid, int pid, string outcome);

    [LoggerMessage(4, LogLevel.Warning, "The {Role} {Path} was left by a mount server that is gone; replaced it")]
    public static partial void StaleSocketReplaced(ILogger logger, string role, string path);
}
