using System.Net.Sockets;
using Lifeboat.MountServer.Control;
using Lifeboat.Nbd.Server;
using Lifeboat.OncRpc.Peers;
using Microsoft.Extensions.Logging;

namespace Lifeboat.MountServer.Nbd;

/// <summary>
/// The published disks over NBD on a unix socket, for a QEMU on this host: the socket file is 0660 root:lifeboat
/// (0600 without that group) like the control socket, and each connection is admitted by the kernel's word on its
/// peer (SO_PEERCRED: uid 0 or a process in group lifeboat); a refused one gets NBD_REP_ERR_POLICY.
/// </summary>
internal static class NbdUnixSocket
{
    private const string Role = "NBD socket";

    /// <exception cref="ControlSocketException">The folder or the socket cannot be made, another mount server answers on the path, or it is a file that is not a socket.</exception>
    public static async Task<NbdServer> StartAsync(INbdExportProvider exports, string socketPath, LifeboatGroup group, ILoggerFactory loggerFactory)
    {
        var path = Path.GetFullPath(socketPath);
        var gid = group.Id;
        NbdServer? server = null;
        try
        {
            await LocalSocketFile.PrepareAsync(path, Role, gid, loggerFactory.CreateLogger<NbdServer>()).ConfigureAwait(false);
            var options = new NbdServerOptions
            {
                EndPoint = new UnixDomainSocketEndPoint(path),
                AcceptClient = socket => PeerCredentials.Read(socket) is var peer && (peer.Uid == 0 || group.IncludesProcess(peer.Pid)),
            };
            server = new NbdServer(exports, options, loggerFactory.CreateLogger<NbdServer>());
            server.Start();
            LocalSocketFile.Restrict(path, gid);
            return server;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SocketException or ArgumentException && e is not ControlSocketException)
        {
            if (server is not null)
                await server.DisposeAsync().ConfigureAwait(false);
            // ArgumentException: a path longer than the 107 bytes a unix socket's may have.
            throw new ControlSocketException($"The {Role} {path} could not be made ({e.Message.TrimEnd('.')}); run as root or choose another path.", e);
        }
        catch
        {
            if (server is not null)
                await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
