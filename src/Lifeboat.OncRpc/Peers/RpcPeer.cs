using System.Net;
using System.Net.Sockets;
using Lifeboat.Transport;

namespace Lifeboat.OncRpc.Peers;

/// <summary>
/// Who sent a call, decided once per connection when it is accepted (per datagram over UDP). A peer is privileged
/// as rpcbind and the kernel's NFS server decide: a loopback peer from a reserved source port (below 1024: root's),
/// a loopback TCP peer whose socket the kernel says belongs to root or to a member of the lifeboat group (root's
/// tools that cannot bind reserved ports, such as nbdinfo and QEMU's NBD driver), or a unix socket peer with uid 0.
/// A peer on another machine is never privileged: allow lists decide for it.
/// </summary>
public sealed class RpcPeer
{
    public const int FirstUnreservedPort = 1024;

    private RpcPeer(RpcTransport transport, IPEndPoint? endPoint, PeerCredentials? credentials, uint? socketOwner, bool isPrivileged)
    {
        Transport = transport;
        EndPoint = endPoint;
        Credentials = credentials;
        SocketOwner = socketOwner;
        IsPrivileged = isPrivileged;
    }

    public RpcTransport Transport { get; }

    /// <summary>The peer's address and port over TCP and UDP (IPv4-mapped addresses unmapped); null over a unix socket.</summary>
    public IPEndPoint? EndPoint { get; }

    /// <summary>The peer process over a unix socket (SO_PEERCRED); null otherwise.</summary>
    public PeerCredentials? Credentials { get; }

    /// <summary>The uid owning a loopback TCP peer's socket, when it was looked up (only for unreserved ports) and found.</summary>
    public uint? SocketOwner { get; }

    /// <summary>On this machine: a unix socket peer, or a TCP or UDP peer with a loopback address.</summary>
    public bool IsLocal => Transport == RpcTransport.Unix || IPAddress.IsLoopback(EndPoint!.Address);

    /// <summary>Trusted as root is: see the class summary.</summary>
    public bool IsPrivileged { get; }

    /// <summary>A peer of a unix socket, privileged when its uid is 0.</summary>
    public static RpcPeer Unix(PeerCredentials credentials) => new(RpcTransport.Unix, null, credentials, null, credentials.Uid == 0);

    /// <summary>A UDP sender: privileged only from a reserved port on loopback (a datagram's owner cannot be looked up).</summary>
    public static RpcPeer Datagram(IPEndPoint sender)
    {
        var endPoint = RemoteEndPoints.Unmap(sender);
        return new(RpcTransport.Udp, endPoint, null, null, IPAddress.IsLoopback(endPoint.Address) && endPoint.Port < FirstUnreservedPort);
    }

    /// <summary>
    /// A TCP peer. From loopback and an unreserved port, <paramref name="ownerOf"/> (the uid of the peer's socket, or
    /// null) and <paramref name="group"/> decide.
    /// </summary>
    public static RpcPeer Tcp(IPEndPoint remote, IPEndPoint local, Func<IPEndPoint, IPEndPoint, uint?> ownerOf, LifeboatGroup group)
    {
        ArgumentNullException.ThrowIfNull(ownerOf);
        ArgumentNullException.ThrowIfNull(group);
        var endPoint = RemoteEndPoints.Unmap(remote);
        if (!IPAddress.IsLoopback(endPoint.Address))
            return new(RpcTransport.Tcp, endPoint, null, null, false);
        if (endPoint.Port < FirstUnreservedPort)
            return new(RpcTransport.Tcp, endPoint, null, null, true);
        var owner = ownerOf(endPoint, RemoteEndPoints.Unmap(local));
        return new(RpcTransport.Tcp, endPoint, null, owner, owner is { } uid && group.IncludesUser(uid));
    }

    /// <summary>The peer of an accepted TCP or unix stream socket, as <see cref="Tcp"/> and <see cref="Unix(PeerCredentials)"/> decide.</summary>
    /// <exception cref="SocketException">The peer has gone already.</exception>
    public static RpcPeer Of(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return socket.AddressFamily == AddressFamily.Unix
            ? Unix(PeerCredentials.Read(socket))
            : Tcp((IPEndPoint)socket.RemoteEndPoint!, (IPEndPoint)socket.LocalEndPoint!, TcpSocketOwners.FindOwner, LifeboatGroup.System);
    }

    /// <summary>For log lines: the address or the process, and why it is trusted or not.</summary>
    public override string ToString()
    {
        var who = Transport == RpcTransport.Unix ? $"unix socket peer {Credentials}" : EndPoint!.ToString();
        var why = (Transport, IsLocal, IsPrivileged, SocketOwner) switch
        {
            (RpcTransport.Unix, _, _, _) => "",
            (_, false, _, _) => " (remote)",
            (_, true, true, null) => " (reserved port)",
            (_, true, _, { } uid) => $" (socket of uid {uid})",
            _ => " (unreserved port)",
        };
        return who + why;
    }
}
