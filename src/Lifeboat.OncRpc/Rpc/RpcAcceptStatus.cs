namespace Lifeboat.OncRpc.Rpc;

/// <summary>accept_stat of RFC 5531 section 9.</summary>
public enum RpcAcceptStatus : uint
{
    Success = 0,
    ProgUnavail = 1,
    ProgMismatch = 2,
    ProcUnavail = 3,
    GarbageArgs = 4,
    SystemErr = 5,
}
