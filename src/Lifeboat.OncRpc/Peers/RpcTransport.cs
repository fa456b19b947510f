namespace Lifeboat.OncRpc.Peers;

/// <summary>How a call reached the server.</summary>
public enum RpcTransport
{
    Tcp,
    Udp,
    Unix,
}
