using System.Net;
using Lifeboat.OncRpc.Peers;

namespace Lifeboat.Nfs;

/// <summary>
/// The client addresses the mount server answers (MOUNT, NFS and NBD alike): loopback only unless told otherwise. A
/// client outside it gets MNT3ERR_ACCES or NFS3ERR_ACCES, so holding a handle learned elsewhere is not enough; and a
/// peer on this machine is served only when privileged (<see cref="Admits"/>), as the kernel's NFS server serves
/// only reserved ports: any local user can connect from loopback.
/// </summary>
public sealed class NfsClientAllowList
{
    private readonly IPNetwork[] _networks;

    public NfsClientAllowList(IEnumerable<IPNetwork> networks)
    {
        ArgumentNullException.ThrowIfNull(networks);
        _networks = [.. networks];
    }

    /// <summary>127.0.0.0/8 and ::1.</summary>
    public static NfsClientAllowList LoopbackOnly { get; } = new([IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")]);

    public IReadOnlyList<IPNetwork> Networks => _networks;

    /// <summary>Parses addresses and CIDR networks such as "127.0.0.1", "10.1.0.0/16" or "fd00::/8".</summary>
    public static NfsClientAllowList Parse(IEnumerable<string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var networks = new List<IPNetwork>();
        foreach (var entry in entries)
        {
            var text = entry.Trim();
            if (IPNetwork.TryParse(text, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(text, out var address))
            {
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                throw new FormatException($"'{entry}' is neither an IP address nor a network like 10.0.0.0/8; fix the allowed clients list.");
            }
        }

        return new NfsClientAllowList(networks);
    }

    /// <summary>
    /// A peer whose address is in the list and, when it is on this machine (loopback), privileged
    /// (<see cref="RpcPeer.IsPrivileged"/>: a reserved port, or a socket of root or the lifeboat group); a unix socket
    /// peer when privileged.
    /// </summary>
    public bool Admits(RpcPeer peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (peer.EndPoint is null)
        {
            return peer.IsPrivileged;
        }

        return IsAllowed(peer.EndPoint.Address) && (!peer.IsLocal || peer.IsPrivileged);
    }

    public bool IsAllowed(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in _networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
