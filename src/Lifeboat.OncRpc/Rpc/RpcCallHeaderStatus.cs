namespace Lifeboat.OncRpc.Rpc;

/// <summary>The outcome of <see cref="RpcCallHeader.TryParse"/>, and so what the server answers.</summary>
public enum RpcCallHeaderStatus
{
    /// <summary>A well-formed call with accepted credentials.</summary>
    Ok,

    /// <summary>Not even the xid, message type and RPC version could be read, or it is not a call: close the connection (TCP) or drop the datagram (UDP).</summary>
    Malformed,

    /// <summary>rpcvers is not 2: reply MSG_DENIED RPC_MISMATCH.</summary>
    RpcVersionMismatch,

    /// <summary>Credentials or verifier refused: reply MSG_DENIED AUTH_ERROR with the parse's AuthStat.</summary>
    AuthError,
}
