namespace Lifeboat.OncRpc.Rpc;

/// <summary>reply_stat of RFC 5531 section 9.</summary>
public enum RpcReplyStatus : uint
{
    Accepted = 0,
    Denied = 1,
}
