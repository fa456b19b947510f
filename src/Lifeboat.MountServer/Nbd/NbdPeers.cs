using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Lifeboat.OncRpc.Peers;

namespace Lifeboat.MountServer.Nbd;

/// <summary>
/// The peer of each NBD connection, looked up once for both questions asked of it (may it connect, which exports may
/// it see): a loopback peer's owner comes from a scan of /proc/net/tcp, which costs a read of the whole table and,
/// while connections come and go, can miss the row now and then.
/// </summary>
internal sealed class NbdPeers
{
    private readonly ConditionalWeakTable<Socket, RpcPeer> _peers = new();

    /// <exception cref="SocketException">The peer has gone already.</exception>
    public RpcPeer Of(Socket socket) => _peers.GetValue(socket, RpcPeer.Of);
}
