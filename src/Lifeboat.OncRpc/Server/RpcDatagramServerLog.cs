using System.Net;
using Microsoft.Extensions.Logging;

namespace Lifeboat.OncRpc.Server;

internal static partial class RpcDatagramServerLog
{
    [LoggerMessage(21, LogLevel.Information, "ONC RPC server listening on UDP {EndPoint} for programs {Programs}")]
    public static partial void Listening(ILogger logger, EndPoint endPoint, string programs);

    [LoggerMessage(22, LogLevel.Debug, "Datagram from {Remote} dropped: it is larger than {MaxDatagramSize} bytes")]
    public static partial void DatagramTooLarge(ILogger logger, IPEndPoint remote, int maxDatagramSize);

    [LoggerMessage(23, LogLevel.Debug, "Datagram of {Length} bytes from {Remote} dropped: it is not a readable RPC call")]
    public static partial void MalformedCall(ILogger logger, int length, IPEndPoint remote);

    [LoggerMessage(24, LogLevel.Warning, "Reply {Xid} to {Remote} dropped: its {Length} bytes exceed the {MaxDatagramSize}-byte datagram limit; the client must use TCP")]
    public static partial void ReplyTooLarge(ILogger logger, uint xid, IPEndPoint remote, int length, int maxDatagramSize);

    [LoggerMessage(25, LogLevel.Debug, "Reply {Xid} to {Remote} could not be sent")]
    public static partial void SendFailed(ILogger logger, Exception exception, uint xid, IPEndPoint remote);

    [LoggerMessage(26, LogLevel.Error, "The ONC RPC server on UDP {EndPoint} could not receive; retrying")]
    public static partial void ReceiveFailed(ILogger logger, Exception exception, EndPoint endPoint);

    [LoggerMessage(27, LogLevel.Error, "A datagram from {Remote} could not be processed; the server goes on with the next one")]
    public static partial void ProcessingFailed(ILogger logger, Exception exception, IPEndPoint remote);

    [LoggerMessage(28, LogLevel.Information, "ONC RPC server on UDP {EndPoint} stopped after {Calls} calls")]
    public static partial void Stopped(ILogger logger, EndPoint endPoint, long calls);
}
