using Microsoft.Extensions.Logging;

namespace Lifeboat.Nfs.Server;

internal static partial class NfsServerLog
{
    [LoggerMessage(1, LogLevel.Information, "Mount server listening on {EndPoint} (MOUNT v3, NFSv3, portmap), export {Export}")]
    public static partial void Listening(ILogger logger, System.Net.IPEndPoint endPoint, string export);

    [LoggerMessage(2, LogLevel.Information, "Portmap served on port {Port}")]
    public static partial void PortmapServed(ILogger logger, int port);

    [LoggerMessage(3, LogLevel.Information, "Port {Port} belongs to a system portmapper: MOUNT and NFS registered with it")]
    public static partial void PortmapRegistered(ILogger logger, int port);

    [LoggerMessage(4, LogLevel.Warning, "Portmap is unavailable on port {Port} ({Reason}); QEMU's nfs:// driver will not find the server, libnfs tools need ?nfsport={NfsPort}&mountport={NfsPort}")]
    public static partial void PortmapUnavailable(ILogger logger, int port, string reason, int nfsPort);

    [LoggerMessage(5, LogLevel.Warning, "Could not unregister MOUNT and NFS from the system portmapper on port {Port}")]
    public static partial void PortmapUnregisterFailed(ILogger logger, Exception exception, int port);

    [LoggerMessage(6, LogLevel.Warning, "Portmap over UDP is unavailable on port {Port} ({Reason}); portmap is served over TCP only, so use rpcinfo -s rather than rpcinfo -p")]
    public static partial void PortmapUdpUnavailable(ILogger logger, int port, string reason);

    [LoggerMessage(7, LogLevel.Information, "Mount server also listening on {EndPoint} (MOUNT v3, NFSv3, and portmap when served)")]
    public static partial void ListeningAlso(ILogger logger, System.Net.IPEndPoint endPoint);

    [LoggerMessage(8, LogLevel.Information, "Mount server no longer listening on {EndPoint}: no publication needs it")]
    public static partial void StoppedListening(ILogger logger, System.Net.IPEndPoint endPoint);
}
