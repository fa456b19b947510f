using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Lifeboat.Nbd.Server;
using Lifeboat.Nfs.Server;
using Lifeboat.Repository;
using Lifeboat.Server.Data;
using Lifeboat.MountServer.Control;
using Lifeboat.MountServer.Publishing;
using Lifeboat.Server.Security;
using Lifeboat.Server.Sessions;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Hosting;

/// <summary>
/// The mount server hosted by the server, over the server's own repository. Its NFS port is chosen once and kept
/// in the database: QEMU's nfs driver reconnects to the same port when the server comes back after a crash. Its
/// NBD port (for sessions recovered over NBD) is chosen and kept the same way; both listen on loopback only.
/// A loopback client is served only when privileged (root's QEMU is: a reserved port for NFS, root's socket for NBD).
/// Its control socket (<see cref="ServerOptions.ControlSocketPath"/>) writes every publish and unpublish to the audit log,
/// and refuses to unpublish what a running session owns. Beside it, an NBD socket (`-nbd.sock`) serves the same
/// exports to root and group lifeboat: sessions recovered over NBD use it. A session on a remote host publishes narrowed
/// to that host (<see cref="PublishAsync"/>): the mount server then also listens where the host reaches this machine,
/// while a publication needs it, and answers that host alone there (loopback is refused that publication).
/// </summary>
public sealed class MountServerService(
    ServerOptions options, DataFolder data, ServerDatabase database, Inventory.DatastoreRegistry datastores, SessionStore sessions, AuditLog audit, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private const string NfsPortSetting = "nfsPort";
    private const string NbdPortSetting = "nbdPort";

    private MountServerHost? _host;

    public MountServerHost Host => _host ?? throw new InvalidOperationException("The mount server has not started.");

    public string RepositoryPath => data.Repository;

    public bool IsRunning => _host is not null;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var port = options.NfsPort
            ?? (database.GetSetting(NfsPortSetting) is { } saved ? int.Parse(saved, CultureInfo.InvariantCulture) : PreferredPort(NfsServerOptions.DefaultPort));
        var nbdPort = options.NbdPort
            ?? (database.GetSetting(NbdPortSetting) is { } savedNbd ? int.Parse(savedNbd, CultureInfo.InvariantCulture) : PreferredPort(NbdServerOptions.DefaultPort));
        var controlSocket = options.ControlSocketPath ?? options.DefaultControlSocket;
        var settings = new MountServerSettings
        {
            RepositoryPath = data.Repository,
            Password = Environment.GetEnvironmentVariable(BackupRepository.PasswordEnvironmentVariable),
            CacheRoot = data.Cache,
            WritableFolders = datastores.Folders,
            Nfs = new NfsServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, port), PortmapPort = options.PortmapPort },
            Nbd = new NbdServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, nbdPort) },
            // The sessions' QEMU runs on this host: it reaches the disks over this socket, which no unprivileged user can open.
            NbdSocketPath = ControlSettings.NbdSocketBeside(controlSocket),
            Control = new ControlSettings
            {
                SocketPath = controlSocket,
                Audit = entry => audit.Record($"uid {entry.Caller.Uid}", $"unix pid {entry.Caller.Pid}", "publication." + entry.Action, entry.Target, entry.Outcome),
                OwnerOf = OwnerOf,
            },
        };
        try
        {
            _host = await MountServerHost.StartAsync(settings, loggerFactory, cancellationToken).ConfigureAwait(false);
        }
        catch (ControlSocketException e)
        {
            throw new InvalidOperationException($"{e.Message} (--control-socket PATH chooses the path, and the NBD socket's beside it.)", e);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new InvalidOperationException(
                $"The mount server's NFS port {port} or NBD port {nbdPort} is taken by another program; stop it, or start the server with --nfs-port N or --nbd-port N (VMs recovered before must then be recovered again).", e);
        }

        database.SetSetting(NfsPortSetting, _host.Nfs.Port.ToString(CultureInfo.InvariantCulture));
        database.SetSetting(NbdPortSetting, (_host.Nbd?.Port ?? 0).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Publishes a restore point for a VM that runs on a host reached over <paramref name="network"/>: narrowed to the
    /// host's address and served at the mount server's address on that network (its URLs name it); null publishes for
    /// this machine, as before.
    /// </summary>
    public Task<PublicationInfo> PublishAsync(
        string vm, string? restorePointId, string? redirectWritesTo, string? repositoryPath, Lifeboat.Hypervisors.Hosts.HostNetwork? network, CancellationToken cancellationToken) =>
        Host.PublishAsync(
            vm, restorePointId, redirectWritesTo, repositoryPath,
            clients: network is null ? null : [network.HostAddress], servedAt: network?.MountServerAddress, cancellationToken: cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
            await _host.DisposeAsync().ConfigureAwait(false);
        _host = null;
    }

    /// <summary>The running session a publication belongs to, in words, or null.</summary>
    private string? OwnerOf(string publication) =>
        sessions.List().FirstOrDefault(s => s.Publication == publication && s.State is not (SessionState.Stopped or SessionState.Failed or SessionState.Finalized)) is { } session
            ? $"running session {session.Id} (VM {session.Vm})"
            : null;

    /// <summary><paramref name="port"/> when it is free, else any free port.</summary>
    private static int PreferredPort(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            return port;
        }
        catch (SocketException)
        {
            return 0;
        }
    }
}
