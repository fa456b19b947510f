using Lifeboat.Hypervisors.Qemu.Host;
using Lifeboat.Repository;
using Lifeboat.Server.Data;
using Lifeboat.Server.Inventory;
using Lifeboat.Server.Sessions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Hosting;

/// <summary>
/// Brings the server up in order (default repository, local host, mount server, sessions, file-restore sessions) and down
/// again. File-restore sessions end as the stop begins, before the web server waits for the requests in flight: an open
/// waiting for its appliance's start, or a download, would otherwise hold the stop until the host's shutdown timeout.
/// </summary>
internal sealed class LifeboatService(
    DataFolder data,
    RepositoryStore repositories,
    HostStore hosts,
    QemuHost host,
    MountServerService mountServer,
    SessionManager sessions,
    FileRestore.FileRestoreSessions fileRestores,
    ILogger<LifeboatService> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(data.Repository) || !Directory.EnumerateFileSystemEntries(data.Repository).Any())
        {
            using (BackupRepository.Init(data.Repository, new RepositoryOptions(), password: null))
            {
            }

            ServerLog.RepositoryCreated(logger, data.Repository);
        }

        repositories.Add(data.Repository, isDefault: true);
        hosts.EnsureRegistered(host.Name, host.Kind, host.Hostname);
        await mountServer.StartAsync(cancellationToken).ConfigureAwait(false);
        var nfs = mountServer.Host.Nfs;
        ServerLog.Started(logger, data.Root, data.Repository, nfs.LocalEndPoint.ToString(), nfs.PortmapMode.ToString());
        sessions.ResumeAll();
        await fileRestores.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        ServerLog.Stopping(logger);
        await fileRestores.StopAsync().ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await fileRestores.DisposeAsync().ConfigureAwait(false);
        await sessions.DisposeAsync().ConfigureAwait(false);
        await mountServer.DisposeAsync().ConfigureAwait(false);
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
