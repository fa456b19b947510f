using System.Net;
using System.Net.Sockets;

namespace Lifeboat.Transport;

/// <summary>Who is at the other end of a socket, as address checks and log lines need it.</summary>
public static class RemoteEndPoints
{
    /// <summary>
    /// An IPv4 peer of a dual-mode socket as plain IPv4 (::ffff:127.0.0.1 becomes 127.0.0.1), so address checks such as
    /// portmap's loopback-only SET and NFS client lists see the address the peer has.
    /// </summary>
    public static IPEndPoint Unmap(IPEndPoint remote) =>
        remote.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(remote.Address.MapToIPv4(), remote.Port) : remote;

    /// <summary>The peer's address for a log line: "unix socket" for a unix-domain peer; throws when the peer has gone.</summary>
    public static string Describe(Socket socket) =>
        socket.RemoteEndPoint is IPEndPoint ip ? Unmap(ip).ToString() : "unix socket";
}
