using System.Net;
using System.Net.Sockets;

namespace Lifeboat.Testing.Network;

/// <summary>Ports that no one listens on right now, for a server a test starts with its own ports.</summary>
public static class FreePorts
{
    /// <summary>A free TCP port on <paramref name="address"/> (loopback when null).</summary>
    public static int Tcp(IPAddress? address = null)
    {
        using var listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A port free for both TCP and UDP (an RPC server listens on both).</summary>
    public static int TcpAndUdp()
    {
        while (true)
        {
            int port = Tcp();
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken for UDP: try another.
            }
        }
    }
}
