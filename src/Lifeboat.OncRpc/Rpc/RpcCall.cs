using System.Diagnostics;
using Lifeboat.OncRpc.Peers;

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
        RpcPeer peer,
        long connectionId)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(peer);
        Xid = xid;
        Program = program;
        Version = version;
        Procedure = procedure;
        Credentials = credentials;
        Arguments = arguments;
        Peer = peer;
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

    /// <summary>Who sent the call, decided when its connection was accepted.</summary>
    public RpcPeer Peer { get; }

    /// <summary>Identifies the TCP connection the call came on, or the UDP socket (shared by all its senders); unique within the process.</summary>
    public long ConnectionId { get; }

    /// <summary>When the server had read the call (a <see cref="Stopwatch"/> timestamp): the start of its latency.</summary>
    public long ReceivedAt { get; }
}
