using System.Net;
using Lifeboat.Nfs.Datastore;
using Lifeboat.OncRpc.Peers;

namespace Lifeboat.Nfs;

/// <summary>
/// Who may reach what in the datastore. A narrowed publication (one with <see cref="DatastorePublication.Clients"/>)
/// answers only its own clients, loopback ones included only when named; any other publication, and the export root,
/// answer the server's <see cref="NfsClientAllowList"/>. A client admitted only because a publication names it sees
/// that publication and nothing else: the others are not even listed. Both checks are a few comparisons, made once
/// per call from the publication its handle names.
/// </summary>
public sealed class ExportAdmission(NfsClientAllowList allowList, DatastoreFileSystem fileSystem)
{
    public NfsClientAllowList AllowList { get; } = allowList ?? throw new ArgumentNullException(nameof(allowList));

    /// <summary>Whether the client may reach anything: the allow list admits it, or a publication names it.</summary>
    public bool AdmitsAny(RpcPeer peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return AllowList.Admits(peer) || (peer.EndPoint is { } remote && fileSystem.IsNamedClient(remote.Address) && (!peer.IsLocal || peer.IsPrivileged));
    }

    /// <summary>Whether the client may read and write <paramref name="publication"/>.</summary>
    public bool Admits(RpcPeer peer, DatastorePublication publication)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(publication);
        return publication.Clients is null ? AllowList.Admits(peer) : publication.Admits(peer);
    }

    /// <summary>
    /// Whether the client may learn that <paramref name="publication"/> exists: a client of the allow list sees every
    /// name (and is refused a narrowed publication not its own), a publication's client only its own.
    /// </summary>
    public bool Shows(RpcPeer peer, DatastorePublication publication) => AllowList.Admits(peer) || Admits(peer, publication);

    /// <summary>Unmaps an IPv4-mapped IPv6 address, the form a dual-mode socket reports IPv4 peers in.</summary>
    internal static IPAddress Plain(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
