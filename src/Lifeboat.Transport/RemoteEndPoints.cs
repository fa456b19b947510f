using System.Net;

namespace Lifeboat.OncRpc.Server;

internal static class RemoteEndPoints
{
    /// <summary>
    /// An IPv4 peer of a dual-mode socket as plain IPv4 (::ffff:127.0.0.1 becomes 127.0.0.1), so address checks such as
    /// portmap's loopback-only SET and NFS client lists see the address the peer has.
    /// </summary>
    public static IPEndPoint Unmap(IPEndPoint remote) =>
        remote.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(remote.Address.MapToIPv4(), remote.Port) : remote;
}
