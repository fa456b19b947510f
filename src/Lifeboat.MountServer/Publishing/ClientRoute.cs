using System.Net;
using System.Net.Sockets;

namespace Lifeboat.MountServer.Publishing;

/// <summary>The address of this machine a client's packets are answered from, as the kernel's routing table chooses it.</summary>
public static class ClientRoute
{
    /// <summary>
    /// The local address the kernel would use to reach <paramref name="client"/>: the one that client reaches this
    /// machine at. Connecting a UDP socket only looks the route up; nothing is sent.
    /// </summary>
    /// <exception cref="ArgumentException">No route from this machine reaches the client.</exception>
    public static IPAddress LocalAddressToward(IPAddress client)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var probe = new Socket(client.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            probe.Connect(new IPEndPoint(client, 9));
        }
        catch (SocketException e)
        {
            throw new ArgumentException($"No route from this machine reaches client {client} ({e.SocketErrorCode}); give an address this machine can reach, or the address to serve at.", nameof(client), e);
        }

        return ((IPEndPoint)probe.LocalEndPoint!).Address;
    }
}
