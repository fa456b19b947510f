using System.Net;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Transport;

internal static partial class TransportLog
{
    [LoggerMessage(1, LogLevel.Warning, "{Protocol} connection from {Remote} refused: the server already has {MaxConnections} connections")]
    public static partial void ConnectionLimitReached(ILogger logger, string protocol, string remote, int maxConnections);

    [LoggerMessage(2, LogLevel.Error, "The {Protocol} server on {EndPoint} could not accept a connection")]
    public static partial void AcceptFailed(ILogger logger, Exception exception, string protocol, EndPoint endPoint);

    [LoggerMessage(3, LogLevel.Critical, "{Protocol} connection {ConnectionId} from {Remote} failed unexpectedly and was closed")]
    public static partial void ConnectionFailed(ILogger logger, Exception exception, string protocol, long connectionId, string remote);

    [LoggerMessage(4, LogLevel.Debug, "{Protocol} connection {ConnectionId} from {Remote} ended with a transport error")]
    public static partial void TransportError(ILogger logger, Exception exception, string protocol, long connectionId, string remote);
}
