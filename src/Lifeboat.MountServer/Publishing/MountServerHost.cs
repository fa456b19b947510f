using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Diagnostics.CodeAnalysis;
using Lifeboat.Disks;
using Lifeboat.MountServer.Nbd;
using Lifeboat.Nbd.Server;
using Lifeboat.Nfs;
using Lifeboat.Nfs.Datastore;
using Lifeboat.OncRpc.Peers;
using Lifeboat.Nfs.Server;
using Lifeboat.Repository;
using Lifeboat.MountServer.Control;
using Microsoft.Extensions.Logging;

namespace Lifeboat.MountServer.Publishing;

/// <summary>
/// The mount server: Lifeboat's NFS server publishing restore points as VM folders, each disk the restore point seen
/// through its own write cache. Restore points come from its own repository or from any other one a publication
/// names; each repository is opened once and kept open while the host runs. Publications and their caches persist across restarts:
/// a restarted host publishes the same folders with the same file handles, so a running VM's NFS client
/// reconnects and carries on. Every published disk is also an NBD export (<c>PUBLICATION/diskN</c>) when
/// <see cref="MountServerSettings.Nbd"/> is set: the same <see cref="PublishedDisk"/> behind both protocols.
/// </summary>
public sealed partial class MountServerHost : IAsyncDisposable
{
    private readonly MountServerSettings _settings;
    private readonly BackupRepository _repository;
    private readonly ConcurrentDictionary<string, BackupRepository> _otherRepositories = new(StringComparer.Ordinal);
    private readonly PublicationCatalog _catalog;
    private readonly NfsServer _server;
    private readonly NbdServer? _nbd;
    private readonly ExportAdmission _admission;
    private readonly NbdPeers _nbdPeers = new();
    private readonly ServedAddresses _addresses;
    private NbdServer? _nbdUnix;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, LivePublication> _live = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ControlSocket? _control;

    private MountServerHost(MountServerSettings settings, BackupRepository repository, PublicationCatalog catalog, NfsServer server, ILoggerFactory loggerFactory)
    {
        _settings = settings;
        _repository = repository;
        _catalog = catalog;
        _server = server;
        _logger = loggerFactory.CreateLogger<MountServerHost>();
        _admission = new ExportAdmission(settings.Nfs.AllowedClients, server.Datastore);
        if (settings.Nbd is { } nbd)
        {
            // The exports' own rule, whatever the caller set: a local client must be privileged, a remote one allowed
            // or named by a publication (which then sees only its own exports).
            var (admission, peers) = (_admission, _nbdPeers);
            nbd.AcceptClient = socket => admission.AdmitsAny(peers.Of(socket));
            _nbd = new NbdServer(new PublishedDiskExports(_live, _admission, _nbdPeers), nbd, loggerFactory.CreateLogger<NbdServer>());
        }
        _addresses = new ServedAddresses(server, _nbd, settings.Nbd, new PublishedDiskExports(_live, _admission, _nbdPeers), loggerFactory);
    }

    public NfsServer Nfs => _server;

    /// <summary>The NBD server of the published disks, or null when <see cref="MountServerSettings.Nbd"/> turned it off.</summary>
    public NbdServer? Nbd => _nbd;

    /// <summary>The NBD server on <see cref="MountServerSettings.NbdSocketPath"/>, or null when there is none.</summary>
    public NbdServer? NbdUnix => _nbdUnix;

    public IReadOnlyList<PublicationInfo> Publications => [.. _live.Values.Select(Describe).OrderBy(p => p.Name, StringComparer.Ordinal)];

    public static async Task<MountServerHost> StartAsync(MountServerSettings settings, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        var catalog = PublicationCatalog.Open(settings.CacheRoot);
        var repository = BackupRepository.Open(settings.RepositoryPath, settings.Password);
        var nfsOptions = settings.Nfs;
        nfsOptions.Datastore = new DatastoreOptions
        {
            ExportPath = nfsOptions.Datastore.ExportPath,
            DatastoreId = catalog.DatastoreId,
            OwnerUid = nfsOptions.Datastore.OwnerUid,
            OwnerGid = nfsOptions.Datastore.OwnerGid,
            TimeProvider = nfsOptions.Datastore.TimeProvider,
        };
        var server = new NfsServer(nfsOptions, loggerFactory);
        var host = new MountServerHost(settings, repository, catalog, server, loggerFactory);
        var logger = host._logger;
        try
        {
            foreach (var record in catalog.Publications)
            {
                try
                {
                    host.Open(record);
                }
                catch (Exception e) when (e is RepositoryException or FormatException)
                {
                    MountServerLog.RepublishFailed(logger, record.Name, e.Message);
                }
            }
            foreach (var request in settings.PublishAtStart)
            {
                if (request.RestorePointId is null || !host._live.Values.Any(p => p.Record.Vm == request.Vm && p.Record.RestorePointId == request.RestorePointId))
                    host.PublishLocked(request.Vm, request.RestorePointId, request.RedirectWritesTo, repositoryPath: null, request.ReadOnly, clients: null, servedAt: null);
            }
            // Only now, with every publication loaded: a client never finds the datastore missing one.
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            host._nbd?.Start();
            await host.ServeAddressesAtStartAsync().ConfigureAwait(false);
            if (settings.NbdSocketPath is { } nbdSocket)
                host._nbdUnix = await NbdUnixSocket.StartAsync(new PublishedDiskExports(host._live, host._admission, host._nbdPeers), nbdSocket, settings.Control?.Group ?? LifeboatGroup.System, loggerFactory).ConfigureAwait(false);
            if (settings.Control is { } control)
                host._control = await ControlSocket.StartAsync(new ControlProgram(host, control, loggerFactory.CreateLogger<ControlProgram>()), control, loggerFactory).ConfigureAwait(false);
            MountServerMetrics.Add(host);
            return host;
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Publishes a VM's restore point (the newest when <paramref name="restorePointId"/> is null) as a folder named
    /// after the VM (`vm-2`, `vm-3`… when it is published more than once). Writes go to a new cache folder under the
    /// cache root, or under <paramref name="redirectWritesTo"/> (a production datastore path). The restore point is
    /// looked up in <paramref name="repositoryPath"/>, or in the host's own repository when that is null. A
    /// <paramref name="readOnly"/> publication refuses every write over NFS (NFS3ERR_ROFS) and NBD (EPERM), for good.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="vm"/> is not a <see cref="VmName"/>, or <paramref name="redirectWritesTo"/> is outside the cache root and
    /// <see cref="MountServerSettings.WritableFolders"/>, or <paramref name="clients"/> is empty or has no route, or the
    /// mount server cannot listen at <paramref name="servedAt"/>; nothing was created.
    /// </exception>
    /// <remarks>
    /// With <paramref name="clients"/> the publication is narrowed: its files, handles and NBD exports answer those
    /// addresses only (loopback too is refused unless named), and the mount server also listens (NFS, MOUNT, NBD, and
    /// portmap when it runs its own) at <paramref name="servedAt"/>, by default the address the route to the first client
    /// leaves from, for as long as a publication needs it. Its URLs name that address.
    /// </remarks>
    public async Task<PublicationInfo> PublishAsync(
        string vm, string? restorePointId, string? redirectWritesTo = null, string? repositoryPath = null, bool readOnly = false,
        IReadOnlyList<IPAddress>? clients = null, IPAddress? servedAt = null, CancellationToken cancellationToken = default)
    {
        if (clients is { Count: 0 })
            throw new ArgumentException("The publication's clients list is empty; give at least one address, or none at all to let the mount server's allow list decide.", nameof(clients));
        if (clients is null && servedAt is not null)
            throw new ArgumentException($"The publication is to be served at {servedAt} but names no client; give the clients that reach it there.", nameof(servedAt));
        if (clients is not null)
            servedAt ??= ClientRoute.LocalAddressToward(clients[0]);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (servedAt is not null)
                await ServeAtAsync(servedAt).ConfigureAwait(false);
            return Describe(PublishLocked(vm, restorePointId, redirectWritesTo, repositoryPath, readOnly, clients, servedAt));
        }
        finally
        {
            await _addresses.KeepOnlyAsync(NeededAddresses()).ConfigureAwait(false);
            _gate.Release();
        }
    }

    /// <summary>What <see cref="PublishAsync"/> does; the caller holds the gate, or the host does not listen yet.</summary>
    private LivePublication PublishLocked(
        string vm, string? restorePointId, string? redirectWritesTo, string? repositoryPath, bool readOnly, IReadOnlyList<IPAddress>? clients, IPAddress? servedAt)
    {
        VmName.Validate(vm, "vm");
        var cacheParent = _settings.CacheRoot;
        if (redirectWritesTo is not null)
        {
            cacheParent = WritablePlaces.Resolve(redirectWritesTo, [_settings.CacheRoot, .. _settings.WritableFolders()], "redirectWritesTo", out var problem)
                ?? throw new ArgumentException(problem);
        }

        var otherRepository = IsOwn(repositoryPath) ? null : Path.GetFullPath(repositoryPath!);
        var restorePoint = Repository(otherRepository).GetRestorePoint(restorePointId ?? "latest", vm);
        // A restore point from before the grammar may carry any name; its publication's folders are named after it.
        VmName.Validate(restorePoint.Vm, "the restore point's vm");
        var name = UniqueName(restorePoint.Vm);
        var folderName = $"{name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var cacheFolder = Path.Combine(cacheParent, folderName);
        var record = new PublicationRecord(
            name, restorePoint.Vm, restorePoint.Id, cacheFolder, DateTimeOffset.UtcNow, otherRepository, readOnly, clients?.Select(c => c.ToString()).ToArray(), servedAt?.ToString());
        var publication = Open(record);
        _catalog.Add(record);
        return publication;
    }

    /// <summary>Removes a publication and deletes its write cache; the backup is untouched.</summary>
    public async Task<bool> UnpublishAsync(string name, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_live.TryRemove(name, out var publication))
                return _catalog.Remove(name);
            _server.Unpublish(name);
            await publication.DisposeAsync().ConfigureAwait(false);
            _catalog.Remove(name);
            if (Directory.Exists(publication.Record.CacheFolder))
                Directory.Delete(publication.Record.CacheFolder, recursive: true);
            MountServerLog.Unpublished(_logger, name);
            await _addresses.KeepOnlyAsync(NeededAddresses()).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    internal int PublicationCount => _live.Count;

    internal int PublishedDiskCount => _live.Values.Sum(p => p.Disks.Count);

    /// <summary>Adds up a figure of every published disk's stats.</summary>
    internal long Sum(Func<PublishedDiskStats, long> figure) => _live.Values.Sum(p => p.Disks.Sum(d => figure(d.Stats)));

    /// <summary>
    /// The newest read of disk <paramref name="disk"/> of publication <paramref name="name"/> that failed on a damaged or
    /// missing chunk of the backup; null when none has, or there is no such publication or disk.
    /// </summary>
    public DamagedChunkRead? LastDamagedChunk(string name, int disk) =>
        _live.TryGetValue(name, out var publication) && disk >= 0 && disk < publication.Disks.Count ? publication.Disks[disk].LastDamagedChunk : null;

    public PublicationInfo? Find(string vm, string restorePointId) =>
        Publications.FirstOrDefault(p => p.Vm == vm && p.RestorePointId == restorePointId);

    public async ValueTask DisposeAsync()
    {
        MountServerMetrics.Remove(this);
        if (_control is not null)
            await _control.DisposeAsync().ConfigureAwait(false);
        if (_nbdUnix is not null)
            await _nbdUnix.DisposeAsync().ConfigureAwait(false);
        await _addresses.DisposeAsync().ConfigureAwait(false);
        if (_nbd is not null)
            await _nbd.DisposeAsync().ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
        foreach (var publication in _live.Values)
            await publication.DisposeAsync().ConfigureAwait(false);
        _live.Clear();
        _repository.Dispose();
        foreach (var repository in _otherRepositories.Values)
            repository.Dispose();
        _otherRepositories.Clear();
        _gate.Dispose();
    }

    private bool IsOwn(string? repositoryPath) =>
        repositoryPath is null || string.Equals(Path.GetFullPath(repositoryPath), Path.GetFullPath(_settings.RepositoryPath), StringComparison.Ordinal);

    /// <summary>The host's own repository for null, else the one at <paramref name="path"/>, opened on first use.</summary>
    /// <exception cref="RepositoryException">There is no readable repository at the path (or the password does not open it).</exception>
    private BackupRepository Repository(string? path) =>
        path is null ? _repository : _otherRepositories.GetOrAdd(path, p => BackupRepository.Open(p, _settings.Password));

    /// <exception cref="FormatException">The record names a client or served address that is not an IP address (an edited publication list).</exception>
    private LivePublication Open(PublicationRecord record)
    {
        var clients = record.Clients?.Select(ParseAddress).ToArray();
        var servedAt = record.ServedAt is { } served ? ParseAddress(served) : null;
        var repository = Repository(IsOwn(record.RepositoryPath) ? null : record.RepositoryPath);
        var restorePoint = repository.GetRestorePoint(record.RestorePointId);
        // The VM's writes and the hypervisor's files: the server's alone (the folders inside inherit nothing, so each is made 0700 too).
        if (!OperatingSystem.IsWindows())
            Directory.CreateDirectory(record.CacheFolder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var disks = new List<PublishedDisk>();
        try
        {
            foreach (var disk in restorePoint.Disks)
            {
                var baseDisk = RestorePointBaseDisk.Open(repository, restorePoint.Id, disk.Index, _settings.BlockCacheBytes);
                try
                {
                    // A read-only publication keeps no local copies of the blocks read either: nothing is written to its cache folder.
                    var options = _settings.Disk with
                    {
                        DiskName = $"{record.Name}/{DatastoreNames.RawDisk(disk.Index)}",
                        Hydration = _settings.Disk.Hydration && !record.ReadOnly,
                    };
                    disks.Add(PublishedDisk.Open(baseDisk, Path.Combine(record.CacheFolder, $"disk{disk.Index}"), options));
                }
                catch
                {
                    baseDisk.Dispose();
                    throw;
                }
            }
            var files = PublicationFiles.Create(record.Name, restorePoint, file => PublicationUrls.At(_server.Url(record.Name, file, withPorts: false), servedAt));
            var publication = _server.Publish(
                record.Name, files, [.. disks.Select(d => new PublishedDatastoreDisk(d))], record.CacheFolder, record.ReadOnly, clients);
            var live = new LivePublication(record, publication, disks, [.. disks.Select(d => new PublishedDiskNbdDevice(d, record.ReadOnly))], servedAt);
            _live[record.Name] = live;
            MountServerLog.Published(_logger, record.Name, record.Vm, record.RestorePointId, record.CacheFolder);
            return live;
        }
        catch
        {
            foreach (var disk in disks)
                disk.Dispose();
            throw;
        }
    }

    private static IPAddress ParseAddress(string text) =>
        IPAddress.TryParse(text, out var address) ? address : throw new FormatException($"'{text}' in the publication list is not an IP address; fix or remove that publication's entry.");

    private string UniqueName(string vm)
    {
        var taken = _catalog.Publications.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        if (!taken.Contains(vm))
            return vm;
        for (var n = 2; ; n++)
        {
            var candidate = $"{vm}-{n}";
            if (!taken.Contains(candidate))
                return candidate;
        }
    }

    // URLs are made when asked: ports are only known once the server listens, and publications are restored before that.
    // A narrowed publication's name the address its clients reach; the unix socket refuses it, so it has no URL there.
    private PublicationInfo Describe(LivePublication p)
    {
        var servedAt = p.ServedAt;
        return new(
            p.Record.Name, p.Record.Vm, p.Record.RestorePointId, p.Record.CacheFolder,
            [.. _server.DiskUrls(p.Datastore).Select(u => PublicationUrls.At(u, servedAt))],
            [.. _server.DiskUrls(p.Datastore, withPorts: true).Select(u => PublicationUrls.At(u, servedAt))])
        {
            NbdUrls = NbdUrls(p),
            NbdUnixUrls = _nbdUnix is null || p.Datastore.Clients is not null
                ? []
                : [.. Enumerable.Range(0, p.NbdDevices.Count).Select(i => NbdExportNames.UnixUrl(NbdExportNames.Disk(p.Record.Name, i), _nbdUnix.LocalEndPoint.ToString()!))],
            ReadOnly = p.Record.ReadOnly,
            Clients = p.Datastore.Clients,
            ServedAt = servedAt,
        };
    }

    private IReadOnlyList<string> NbdUrls(LivePublication p)
    {
        if (_nbd is null || p.NbdDevices.Count == 0)
            return [];

        // The host the NFS URLs name, so both kinds of URL reach the same machine the same way.
        var host = new Uri(PublicationUrls.At(_server.Url(p.Record.Name, DatastoreNames.RawDisk(0), withPorts: false), p.ServedAt)).Host;
        return [.. Enumerable.Range(0, p.NbdDevices.Count).Select(i => NbdExportNames.Url(host, _nbd.Port, NbdExportNames.Disk(p.Record.Name, i), tls: _settings.Nbd?.Tls is not null))];
    }

    /// <summary>The addresses live narrowed publications are served at.</summary>
    private HashSet<IPAddress> NeededAddresses() => [.. _live.Values.Select(p => p.ServedAt).OfType<IPAddress>()];

    /// <exception cref="ArgumentException">The mount server cannot listen there.</exception>
    private async Task ServeAtAsync(IPAddress address)
    {
        try
        {
            await _addresses.AddAsync(address).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new ArgumentException(
                $"The mount server cannot listen at {address} ({e.SocketErrorCode}); give an address of this machine whose NFS and NBD ports are free.", nameof(address), e);
        }
    }

    /// <summary>Listens where the narrowed publications kept from the last run are served; one that cannot be is logged and left unreachable.</summary>
    private async Task ServeAddressesAtStartAsync()
    {
        foreach (var address in NeededAddresses())
        {
            try
            {
                await ServeAtAsync(address).ConfigureAwait(false);
            }
            catch (ArgumentException e)
            {
                MountServerLog.ServeAtFailed(_logger, address.ToString(), e.Message);
            }
        }
    }
}
