using System.Net;
using System.Net.Sockets;

namespace Lifeboat.Nbd.Client;

/// <summary>The client's connection to an NBD server: a unix socket, an IP address or a host name.</summary>
internal static class NbdClientSocket
{
    public static async Task<Socket> OpenAsync(EndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = endPoint switch
        {
            UnixDomainSocketEndPoint => new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified),
            IPEndPoint ip => new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true },

            // A host name: a dual-mode socket connects to whichever address family it resolves to.
            _ => new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true },
        };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
