using Microsoft.Extensions.Logging;

namespace Lifeboat.Nfs.Nfs3;

internal static partial class Nfs3Log
{
    [LoggerMessage(1, LogLevel.Warning, "NFS calls from {Host} refused with NFS3ERR_ACCES: a client on this machine must be root (a reserved port) or in group lifeboat, another machine in the allowed clients list")]
    public static partial void ClientRefused(ILogger logger, string host);
}
