using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Net;
using System.Security.Cryptography;
using Lifeboat.Nfs.Datastore.Local;
using Lifeboat.Nfs.Nfs3;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Nfs.Datastore;

/// <summary>
/// The file system the mount server exports: a root folder holding one folder per publication. Publications are
/// added and removed while clients are connected; handles of a removed publication become NFS3ERR_STALE.
/// </summary>
public sealed class DatastoreFileSystem : IDisposable
{
    private readonly Lock _publishLock = new();
    private readonly ConcurrentDictionary<string, DatastorePublication> _byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ulong, DatastorePublication> _byId = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _changedAt;
    private FrozenSet<IPAddress> _namedClients = FrozenSet<IPAddress>.Empty;

    public DatastoreFileSystem(DatastoreOptions? options = null, ILogger<DatastoreFileSystem>? logger = null)
    {
        options ??= new DatastoreOptions();
        if (!IsValidExportPath(options.ExportPath))
        {
            throw new ArgumentException($"Export path '{options.ExportPath}' must be absolute, like /lifeboat, without '.', '..' or empty components.", nameof(options));
        }

        ExportPath = options.ExportPath.Length > 1 ? options.ExportPath.TrimEnd('/') : options.ExportPath;
        DatastoreId = options.DatastoreId != 0 ? options.DatastoreId : StableHash.Of(Environment.MachineName + "\0" + ExportPath);
        Fsid = StableHash.Mix(DatastoreId);
        OwnerUid = options.OwnerUid ?? LibC.geteuid();
        OwnerGid = options.OwnerGid ?? LibC.getegid();
        _time = options.TimeProvider;
        MinRescanInterval = options.MinRescanInterval;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        InstanceVerifier = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        _changedAt = Now.ToUnixNanoseconds();
        Root = new ExportRootNode(this);
    }

    /// <summary>The path clients MOUNT, e.g. <c>/lifeboat</c>.</summary>
    public string ExportPath { get; }

    public ulong DatastoreId { get; }

    public IReadOnlyCollection<DatastorePublication> Publications => [.. _byName.Values.OrderBy(p => p.Name, StringComparer.Ordinal)];

    internal int PublicationCount => _byName.Count;

    internal ulong Fsid { get; }

    internal TimeSpan MinRescanInterval { get; }

    internal TimeProvider Time => _time;

    internal uint OwnerUid { get; }

    internal uint OwnerGid { get; }

    /// <summary>True when the server runs as root and so can make a client the owner of what it creates.</summary>
    internal bool CanChangeOwner { get; } = LibC.geteuid() == 0;

    /// <summary>Changes with every process: the write verifier of client-created files, whose UNSTABLE writes a restart may lose.</summary>
    internal ulong InstanceVerifier { get; }

    /// <summary>The cookie verifier of every folder: directory cookies are name hashes, valid across restarts.</summary>
    internal ulong CookieVerifier => Fsid | 1;

    internal ExportRootNode Root { get; }

    internal long ChangedAt => Volatile.Read(ref _changedAt);

    internal NfsTime3 Now => NfsTime3.FromDateTime(_time.GetUtcNow().UtcDateTime);

    /// <summary>
    /// Adds a folder named <paramref name="name"/> holding <paramref name="files"/> (read-only), each disk under
    /// <c>diskN.raw</c> and <c>diskN-flat.vmdk</c>, and whatever clients create, kept in
    /// <c><paramref name="cacheFolder"/>/client-files</c> so it survives restarts. Publishing the same name with the
    /// same cache folder after a restart gives the same file handles. A <paramref name="readOnly"/> publication answers
    /// every call that would change it with NFS3ERR_ROFS. A publication with <paramref name="clients"/> answers only
    /// those addresses (<see cref="ExportAdmission"/>).
    /// </summary>
    public DatastorePublication Publish(
        string name, IReadOnlyList<DatastoreFile> files, IReadOnlyList<IDatastoreDisk> disks, string cacheFolder, bool readOnly = false, IReadOnlyList<IPAddress>? clients = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(disks);
        ArgumentException.ThrowIfNullOrEmpty(cacheFolder);
        if (!DatastoreNames.IsValidName(name))
        {
            throw new ArgumentException($"'{name}' cannot name a publication: use one path component of at most 255 bytes.", nameof(name));
        }

        var fullCacheFolder = Path.GetFullPath(cacheFolder);
        var id = StableHash.Of(name + "\0" + fullCacheFolder);
        lock (_publishLock)
        {
            if (_byName.ContainsKey(name))
            {
                throw new InvalidOperationException($"Publication '{name}' already exists; unpublish it first or choose another name.");
            }

            if (_byId.ContainsKey(id) || _byName.Values.Any(p => string.Equals(p.CacheFolder, fullCacheFolder, StringComparison.Ordinal)))
            {
                throw new InvalidOperationException($"Cache folder '{fullCacheFolder}' already serves another publication; give each publication its own cache folder.");
            }

            if (clients is { Count: 0 })
            {
                throw new ArgumentException($"Publication '{name}' names no client; give at least one address, or none at all to let the server's allow list decide.", nameof(clients));
            }

            var publication = new DatastorePublication(this, name, id, files, disks, fullCacheFolder, readOnly, clients);
            _byId[id] = publication;
            _byName[name] = publication;
            UpdateNamedClients();
            Volatile.Write(ref _changedAt, Now.ToUnixNanoseconds());
            DatastoreLog.Published(_logger, name, disks.Count, files.Count, fullCacheFolder);
            return publication;
        }
    }

    /// <summary>Removes a publication; its cache folder is left for the caller to keep or delete.</summary>
    public bool Unpublish(string name)
    {
        DatastorePublication? publication;
        lock (_publishLock)
        {
            if (!_byName.TryRemove(name, out publication))
            {
                return false;
            }

            _byId.TryRemove(publication.Id, out _);
            UpdateNamedClients();
            Volatile.Write(ref _changedAt, Now.ToUnixNanoseconds());
        }

        publication.Dispose();
        DatastoreLog.Unpublished(_logger, name);
        return true;
    }

    /// <summary>Whether a publication names <paramref name="address"/> among its clients.</summary>
    public bool IsNamedClient(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return Volatile.Read(ref _namedClients).Contains(ExportAdmission.Plain(address));
    }

    public bool TryGetPublication(string name, out DatastorePublication publication) => _byName.TryGetValue(name, out publication!);

    public void Dispose()
    {
        lock (_publishLock)
        {
            foreach (var publication in _byName.Values)
            {
                publication.Dispose();
            }

            _byName.Clear();
            _byId.Clear();
        }
    }

    /// <summary>
    /// The publication a client's file handle names, found from the handle's bytes alone (no object is looked up), or
    /// null for the export root and for a handle that is not one of this datastore's.
    /// </summary>
    internal DatastorePublication? PublicationOf(ReadOnlySpan<byte> fileHandle) =>
        DatastoreFileHandle.TryParse(fileHandle, out var handle) == Nfs3Status.Ok && handle.DatastoreId == DatastoreId && handle.Kind != DatastoreNodeKind.ExportRoot
            ? _byId.GetValueOrDefault(handle.PublicationId)
            : null;

    /// <summary>True when the node belongs to a read-only publication.</summary>
    internal bool IsReadOnly(DatastoreNode node) => _byId.TryGetValue(node.Handle.PublicationId, out var publication) && publication.IsReadOnly;

    /// <summary>Finds the object a client's file handle names.</summary>
    internal Nfs3Status Resolve(ReadOnlySpan<byte> fileHandle, out DatastoreNode node)
    {
        node = Root;
        var status = DatastoreFileHandle.TryParse(fileHandle, out var handle);
        if (status != Nfs3Status.Ok)
        {
            return status;
        }

        if (handle.DatastoreId != DatastoreId)
        {
            return Nfs3Status.Stale;
        }

        if (handle.Kind == DatastoreNodeKind.ExportRoot)
        {
            return Nfs3Status.Ok;
        }

        if (!_byId.TryGetValue(handle.PublicationId, out var publication))
        {
            return Nfs3Status.Stale;
        }

        switch (handle.Kind)
        {
            case DatastoreNodeKind.Publication:
                node = publication.Node;
                return Nfs3Status.Ok;
            case DatastoreNodeKind.GeneratedFile:
                node = publication.GeneratedFile(handle.ObjectId)!;
                return node is null ? Nfs3Status.Stale : Nfs3Status.Ok;
            case DatastoreNodeKind.DiskFile:
                node = publication.DiskFile(handle.ObjectId)!;
                return node is null ? Nfs3Status.Stale : Nfs3Status.Ok;
            default:
                var errno = publication.Tree.Resolve(handle.ObjectId, handle.Generation, out var path, out var stat);
                node = errno == Errno.None ? LocalNodes.Create(publication, path, stat) : Root;
                return ErrnoStatus.Of(errno);
        }
    }

    /// <summary>
    /// Resolves a MOUNT path: the export path or any folder inside it (libnfs mounts the folder above the file it
    /// opens). Every component is looked up like a LOOKUP, so '..' and links cannot leave the export.
    /// </summary>
    internal Nfs3Status ResolvePath(string path, out DatastoreNode node)
    {
        node = Root;
        if (!path.StartsWith(ExportPath, StringComparison.Ordinal)
            || (path.Length > ExportPath.Length && path[ExportPath.Length] != '/' && ExportPath != "/"))
        {
            return Nfs3Status.NoEnt;
        }

        foreach (var component in path[ExportPath.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (component is "." or "..")
            {
                return Nfs3Status.Acces;
            }

            var status = node.Lookup(component, out var next);
            if (status != Nfs3Status.Ok)
            {
                return status;
            }

            node = next;
        }

        return node.Type == Ftype3.Dir ? Nfs3Status.Ok : Nfs3Status.NotDir;
    }

    internal ulong FileIdOf(in DatastoreFileHandle handle)
    {
        if (handle.Kind == DatastoreNodeKind.ExportRoot)
        {
            return 1;
        }

        var id = StableHash.Mix(handle.PublicationId ^ StableHash.Mix(((ulong)handle.Kind << 56) ^ handle.ObjectId));
        return id < 2 ? id + 2 : id;
    }

    internal DatastorePublication? FindPublication(ulong id) => _byId.GetValueOrDefault(id);

    internal void ReportDiskError(string publication, string operation, Exception exception) =>
        DatastoreLog.DiskError(_logger, exception, operation, publication);

    // Under the publish lock: publications change rarely, and every connection asks.
    private void UpdateNamedClients() =>
        Volatile.Write(ref _namedClients, _byName.Values.SelectMany(p => p.Clients ?? []).ToFrozenSet());

    private static bool IsValidExportPath(string path) =>
        path == "/" || (path.StartsWith('/') && path.Trim('/').Split('/').All(DatastoreNames.IsValidName));
}
