using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using Lifeboat.MountServer.Publishing;
using Lifeboat.Nbd.Server;
using Lifeboat.Nfs;
using Lifeboat.OncRpc.Peers;

namespace Lifeboat.MountServer.Nbd;

/// <summary>
/// The live publications' disks as NBD exports, looked up at every handshake; a connection sees those its peer is
/// admitted to (<see cref="ExportAdmission"/>), decided once when it is accepted.
/// </summary>
internal sealed class PublishedDiskExports(
    ConcurrentDictionary<string, LivePublication> live, ExportAdmission admission, NbdPeers peers, Func<LivePublication, bool>? admits = null) : INbdExportProvider
{
    public IReadOnlyCollection<string> ExportNames =>
        [.. live.Values.Where(Admits).OrderBy(p => p.Record.Name, StringComparer.Ordinal)
            .SelectMany(p => Enumerable.Range(0, p.NbdDevices.Count).Select(i => NbdExportNames.Disk(p.Record.Name, i)))];

    public bool TryGetExport(string name, [NotNullWhen(true)] out INbdBlockDevice? device)
    {
        device = null;
        if (!NbdExportNames.TryParse(name, out var publication, out var index)
            || !live.TryGetValue(publication, out var found) || index >= found.NbdDevices.Count || !Admits(found))
            return false;
        device = found.NbdDevices[index];
        return true;
    }

    public INbdExportProvider For(Socket client)
    {
        RpcPeer peer;
        try
        {
            peer = peers.Of(client);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return new PublishedDiskExports(live, admission, peers, _ => false);
        }

        // The unix socket admits its peers itself (root and group lifeboat); a narrowed publication is never served there.
        return new PublishedDiskExports(live, admission, peers, peer.EndPoint is null
            ? p => p.Datastore.Clients is null
            : p => admission.Admits(peer, p.Datastore));
    }

    private bool Admits(LivePublication publication) => admits is null || admits(publication);
}
