namespace Lifeboat.OncRpc.Rpc;

/// <summary>auth_flavor of RFC 5531 section 8.2; only the flavors the server accepts are named.</summary>
public enum AuthFlavor : uint
{
    None = 0,
    Sys = 1,
}
