using System.Net;
using Lifeboat.Nbd.Protocol;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Nbd.Server;

internal static partial class NbdServerLog
{
    [LoggerMessage(1, LogLevel.Information, "NBD server listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, EndPoint endPoint);

    [LoggerMessage(2, LogLevel.Debug, "NBD connection {ConnectionId} from {Remote} accepted")]
    public static partial void ConnectionAccepted(ILogger logger, long connectionId, string remote);

    [LoggerMessage(3, LogLevel.Debug, "NBD connection {ConnectionId} from {Remote} closed after {Requests} requests")]
    public static partial void ConnectionClosed(ILogger logger, long connectionId, string remote, long requests);

    [LoggerMessage(5, LogLevel.Warning, "NBD connection {ConnectionId} from {Remote} may open no export: a client on this machine must be root or in group lifeboat, another machine in the allowed clients list")]
    public static partial void ClientNotAllowed(ILogger logger, long connectionId, string remote);

    [LoggerMessage(6, LogLevel.Warning, "NBD connection {ConnectionId} from {Remote} closed during the handshake: {Reason}")]
    public static partial void HandshakeRefused(ILogger logger, long connectionId, string remote, string reason);

    [LoggerMessage(7, LogLevel.Debug, "NBD connection {ConnectionId} from {Remote} entered transmission with export '{Export}' (structured replies {Structured}, base:allocation {Allocation})")]
    public static partial void ExportChosen(ILogger logger, long connectionId, string remote, string export, bool structured, bool allocation);

    [LoggerMessage(8, LogLevel.Warning, "NBD connection {ConnectionId} from {Remote} closed: {Reason}")]
    public static partial void ProtocolViolation(ILogger logger, long connectionId, string remote, string reason);

    [LoggerMessage(9, LogLevel.Error, "NBD export '{Export}' failed {Command} of {Length} bytes at offset {Offset} for connection {ConnectionId}; replied NBD_EIO")]
    public static partial void DeviceFailed(ILogger logger, Exception exception, string export, NbdCommand command, uint length, ulong offset, long connectionId);

    [LoggerMessage(12, LogLevel.Information, "NBD server on {EndPoint} stopped")]
    public static partial void Stopped(ILogger logger, EndPoint endPoint);

    [LoggerMessage(14, LogLevel.Debug, "NBD request {Command} from connection {ConnectionId} refused with {Error}: {Reason}")]
    public static partial void RequestRefused(ILogger logger, NbdCommand command, long connectionId, NbdError error, string reason);

    [LoggerMessage(15, LogLevel.Warning, "NBD connection {ConnectionId} from {Remote} closed: the TLS handshake failed ({Reason})")]
    public static partial void TlsFailed(ILogger logger, long connectionId, string remote, string reason);
}
