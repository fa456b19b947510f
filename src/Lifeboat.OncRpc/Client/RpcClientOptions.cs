using System.Net;
using Lifeboat.OncRpc.RecordMarking;
using Lifeboat.OncRpc.Rpc;

namespace Lifeboat.OncRpc.Client;

/// <summary>How an <see cref="RpcClient"/> connects and identifies itself.</summary>
public sealed class RpcClientOptions
{
    /// <summary>Credentials sent with every call; AUTH_NONE by default.</summary>
    public RpcCredentials Credentials { get; set; } = RpcCredentials.None;

    /// <summary>
    /// Bind the local end to a reserved port (600-1023), as bindresvport does: rpcbind, the kernel's NFS server and
    /// Lifeboat's mount server trust a loopback caller from one as root. Needs root or CAP_NET_BIND_SERVICE; without
    /// it (or with every such port taken) the client falls back to an ordinary port. On by default.
    /// </summary>
    public bool UseReservedPort { get; set; } = true;

    /// <summary>An explicit local address to bind, when not using a reserved port.</summary>
    public IPEndPoint? LocalEndPoint { get; set; }

    /// <summary>The largest reply accepted; a larger one closes the connection and fails the calls in flight.</summary>
    public int MaxReplySize { get; set; } = RecordMarkingReader.DefaultMaxRecordSize;
}
