using System.Diagnostics;
using System.Net;

namespace Lifeboat.OncRpc.Rpc;

/// <summary>A call as an <see cref="IRpcProgram"/> receives it: the parsed call header and its raw arguments.</summary>
public sealed class RpcCall
{
    public RpcCall(
        uint xid,
        uint program,
        uint version,
        uint procedure,
        RpcCredentials credentials,
        ReadOnlyMemory<byte> arguments,
        IPEndPoint remoteEndPoint,
        long connectionId)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        Xid = xid;
        Program = program;
        Version = version;
        Procedure = procedure;
        Credentials = credentials;
        Arguments = arguments;
        RemoteEndPoint = remoteEndPoint;
        ConnectionId = connectionId;
        ReceivedAt = Stopwatch.GetTimestamp();
    }

    public uint Xid { get; }

    public uint Program { get; }

    public uint Version { get; }

    public uint Procedure { get; }

    public RpcCredentials Credentials { get; }

    /// <summary>The XDR-encoded arguments; a pooled buffer valid only until DispatchAsync's task completes.</summary>
    public ReadOnlyMemory<byte> Arguments { get; }

    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>Identifies the TCP connection the call came on, or the UDP socket (shared by all its senders); unique within the process.</summary>
    public long ConnectionId { get; }

    /// <summary>When the server had read the call (a <see cref="Stopwatch"/> timestamp): the start of its latency.</summary>
    public long ReceivedAt { get; }
}
