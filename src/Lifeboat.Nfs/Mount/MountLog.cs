using Lifeboat.Nfs.Nfs3;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Nfs.Mount;

internal static partial class MountLog
{
    [LoggerMessage(1, LogLevel.Warning, "MNT of {Path} from {Host} refused: a client on this machine must be root (a reserved port) or in group lifeboat, another machine in the allowed clients list")]
    public static partial void ClientRefused(ILogger logger, string host, string path);

    [LoggerMessage(2, LogLevel.Information, "{Host} mounted {Path}")]
    public static partial void Mounted(ILogger logger, string host, string path);

    [LoggerMessage(3, LogLevel.Information, "MNT of {Path} from {Host} failed: {Status}")]
    public static partial void MountFailed(ILogger logger, string host, string path, Nfs3Status status);
}
