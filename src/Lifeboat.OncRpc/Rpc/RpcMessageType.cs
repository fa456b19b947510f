namespace Lifeboat.OncRpc.Rpc;

/// <summary>msg_type of RFC 5531 section 9.</summary>
public enum RpcMessageType : uint
{
    Call = 0,
    Reply = 1,
}
