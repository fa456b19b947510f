using System.Net;
using System.Net.Sockets;
using Lifeboat.Nfs.Mount;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.OncRpc.Portmap;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// Asks portmap what QEMU's nfs:// driver will ask: the ports of MOUNT and NFS over TCP. Anything but the mount
/// server's own port means the VM would read someone else's disks, so the session stops there.
/// </summary>
internal static class MountServerPortmapCheck
{
    // A portmapper answers at once; whatever holds the port and does not must not hold the session forever.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <exception cref="SessionStepException">Portmap does not answer, or answers another port for MOUNT or NFS.</exception>
    public static async Task EnsureAsync(int portmapPort, int mountServerPort, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await using var portmap = await PortmapClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, portmapPort), timeout.Token).ConfigureAwait(false);
            foreach (var (name, program, version) in new[] { ("MOUNT", MountConstants.Program, MountConstants.Version), ("NFS", Nfs3Constants.Program, Nfs3Constants.Version) })
            {
                var port = await portmap.GetPortAsync(program, version, PortmapProtocol.Tcp, timeout.Token).ConfigureAwait(false);
                if (port != mountServerPort)
                {
                    throw new SessionStepException(
                        $"Portmap on port {portmapPort} answers port {port} for {name}, not the mount server's port {mountServerPort}: another program registered there; stop it (or unregister it from rpcbind with `rpcinfo -d`), then restart the Lifeboat server.");
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SessionStepException($"Portmap on port {portmapPort} did not answer within {Timeout.TotalSeconds} s; free that port or restart rpcbind, then restart the Lifeboat server.");
        }
        catch (Exception e) when (e is IOException or SocketException or OncRpc.Client.RpcException or OncRpc.Xdr.XdrException)
        {
            throw new SessionStepException($"Portmap on port {portmapPort} did not answer for the mount server ({e.Message}); free that port or start rpcbind, then restart the Lifeboat server.");
        }
    }
}
