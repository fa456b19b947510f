using System.Net;
using System.Net.Sockets;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Libvirt;

namespace Lifeboat.Server.Inventory;

/// <summary>
/// Where a libvirt host is and where it reaches the mount server: the host from its URI, and the address of this
/// machine its route to the host leaves from (the one the host sees connections come from), unless an admin named one.
/// </summary>
public static class HostAddresses
{
    /// <summary>The host's side and this machine's side of the way between them; null for <c>qemu:///system</c> (this machine).</summary>
    /// <exception cref="InvalidHostException">The URI's host does not resolve, or the given address is not this machine's.</exception>
    public static HostNetwork? For(string uri, string? mountServerAddress)
    {
        var host = new Uri(LibvirtUri.Validate(uri, HostField.Connect)).DnsSafeHost;
        if (host.Length == 0)
            return null;
        IPAddress hostAddress;
        try
        {
            hostAddress = IPAddress.TryParse(host, out var literal) ? literal
                : Dns.GetHostAddresses(host).OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).First();
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidHostException(HostField.Connect, $"connect names host '{host}', which does not resolve to an address here; give its address or fix the name.", e);
        }

        if (mountServerAddress is not null)
        {
            if (!IPAddress.TryParse(mountServerAddress, out var given))
                throw new InvalidHostException(HostField.MountServerAddress, $"mountServerAddress '{mountServerAddress}' is not an IP address.");
            if (!IsThisMachines(given))
                throw new InvalidHostException(HostField.MountServerAddress, $"mountServerAddress {given} is not an address of this machine; give the one the host reaches it at.");
            return new HostNetwork(given, hostAddress);
        }

        return new HostNetwork(RouteSource(hostAddress), hostAddress);
    }

    /// <summary>The source address the kernel picks to reach <paramref name="destination"/> (a UDP connect sends nothing).</summary>
    private static IPAddress RouteSource(IPAddress destination)
    {
        try
        {
            using var socket = new Socket(destination.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(new IPEndPoint(destination, 9));
            return ((IPEndPoint)socket.LocalEndPoint!).Address;
        }
        catch (SocketException e)
        {
            throw new InvalidHostException(HostField.Connect, $"This machine has no route to {destination} ({e.Message}); connect the networks, or give mountServerAddress.", e);
        }
    }

    private static bool IsThisMachines(IPAddress address) =>
        System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Any(a => a.Address.Equals(address));
}
