namespace Lifeboat.OncRpc.Rpc;

/// <summary>reject_stat of RFC 5531 section 9.</summary>
public enum RpcRejectStatus : uint
{
    RpcMismatch = 0,
    AuthError = 1,
}
