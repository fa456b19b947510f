using System.Net;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Transport;

/// <summary>The transport's log lines, under the protocol server's logger; ids from 101 so they never meet a server's own.</summary>
internal static partial class TransportLog
{
    [LoggerMessage(101, LogLevel.Warning, "{Protocol} connection from {Remote} refused: the server already has {MaxConnections} connections")]
    public static partial void ConnectionLimitReached(ILogger logger, string protocol, string remote, int maxConnections);

    [LoggerMessage(102, LogLevel.Error, "The {Protocol} server on {EndPoint} could not accept a connection")]
    public static partial void AcceptFailed(ILogger logger, Exception exception, string protocol, EndPoint endPoint);

    [LoggerMessage(103, LogLevel.Critical, "{Protocol} connection {ConnectionId} from {Remote} failed unexpectedly and was closed")]
    public static partial void ConnectionFailed(ILogger logger, Exception exception, string protocol, long connectionId, string remote);

    [LoggerMessage(104, LogLevel.Debug, "{Protocol} connection {ConnectionId} from {Remote} ended with a transport error")]
    public static partial void TransportError(ILogger logger, Exception exception, string protocol, long connectionId, string remote);
}
