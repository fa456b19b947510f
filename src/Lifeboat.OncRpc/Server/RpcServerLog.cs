using System.Net;
using Lifeboat.OncRpc.Peers;
using Microsoft.Extensions.Logging;

namespace Lifeboat.OncRpc.Server;

internal static partial class RpcServerLog
{
    [LoggerMessage(1, LogLevel.Information, "ONC RPC server listening on {EndPoint} for programs {Programs}")]
    public static partial void Listening(ILogger logger, EndPoint endPoint, string programs);

    [LoggerMessage(2, LogLevel.Debug, "Connection {ConnectionId} from {Remote} accepted")]
    public static partial void ConnectionAccepted(ILogger logger, long connectionId, RpcPeer remote);

    [LoggerMessage(3, LogLevel.Debug, "Connection {ConnectionId} from {Remote} closed after {Calls} calls")]
    public static partial void ConnectionClosed(ILogger logger, long connectionId, RpcPeer remote, long calls);

    [LoggerMessage(5, LogLevel.Warning, "Connection {ConnectionId} from {Remote} closed: a record exceeds {MaxRecordSize} bytes or {MaxFragments} fragments")]
    public static partial void RecordTooLarge(ILogger logger, long connectionId, RpcPeer remote, int maxRecordSize, int maxFragments);

    [LoggerMessage(6, LogLevel.Warning, "Connection {ConnectionId} from {Remote} closed: a message is not a readable RPC call")]
    public static partial void MalformedCall(ILogger logger, long connectionId, RpcPeer remote);

    [LoggerMessage(7, LogLevel.Debug, "Call {Xid} from {Remote} refused: its RPC version is not 2")]
    public static partial void RpcVersionRefused(ILogger logger, uint xid, RpcPeer remote);

    [LoggerMessage(13, LogLevel.Debug, "Call {Xid} from {Remote} refused: credentials or verifier not accepted ({AuthStat})")]
    public static partial void CredentialsRefused(ILogger logger, uint xid, RpcPeer remote, Rpc.AuthStat authStat);

    [LoggerMessage(8, LogLevel.Error, "Program {Program} v{Version} procedure {Procedure} failed for call {Xid}; replied SYSTEM_ERR")]
    public static partial void DispatchFailed(ILogger logger, Exception exception, uint program, uint version, uint procedure, uint xid);

    [LoggerMessage(10, LogLevel.Debug, "Connection {ConnectionId} from {Remote} closed in the middle of a record")]
    public static partial void TruncatedRecord(ILogger logger, long connectionId, RpcPeer remote);

    [LoggerMessage(14, LogLevel.Debug, "Connection {ConnectionId} closed before its peer could be identified")]
    public static partial void PeerGone(ILogger logger, long connectionId);

    [LoggerMessage(12, LogLevel.Information, "ONC RPC server on {EndPoint} stopped")]
    public static partial void Stopped(ILogger logger, EndPoint endPoint);
}
