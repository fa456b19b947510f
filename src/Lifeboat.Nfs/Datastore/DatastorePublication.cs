using System.Collections.Frozen;
using System.Net;
using Lifeboat.Nfs.Datastore.Local;
using Lifeboat.OncRpc.Peers;

namespace Lifeboat.Nfs.Datastore;

/// <summary>One folder of the datastore: a VM's generated files, its disk files and what clients created beside them.</summary>
public sealed class DatastorePublication : IDisposable
{
    /// <summary>The folder inside the cache folder that holds client-created files.</summary>
    public const string ClientFilesFolderName = "client-files";

    private readonly FrozenDictionary<string, DatastoreNode> _reserved;
    private readonly DatastoreNode[] _generated;
    private readonly DatastoreNode[] _disks;
    private readonly IPAddress[]? _clients;

    internal DatastorePublication(
        DatastoreFileSystem fileSystem,
        string name,
        ulong id,
        IReadOnlyList<DatastoreFile> files,
        IReadOnlyList<IDatastoreDisk> disks,
        string cacheFolder,
        bool readOnly,
        IReadOnlyList<IPAddress>? clients)
    {
        IsReadOnly = readOnly;
        _clients = clients is null ? null : [.. clients.Select(ExportAdmission.Plain).Distinct()];
        FileSystem = fileSystem;
        Name = name;
        Id = id;
        CacheFolder = cacheFolder;
        PublishedAt = fileSystem.Now.ToUnixNanoseconds();
        _generated = new DatastoreNode[files.Count];
        _disks = new DatastoreNode[disks.Count];
        var reserved = new Dictionary<string, DatastoreNode>(StringComparer.Ordinal);
        var entries = new List<DatastoreDirectoryEntry>();
        var diskNames = new List<string>();
        for (var i = 0; i < disks.Count; i++)
        {
            var node = new DiskFileNode(this, i, disks[i]);
            _disks[i] = node;
            foreach (var diskName in new[] { DatastoreNames.RawDisk(i), DatastoreNames.FlatVmdk(i) })
            {
                reserved.Add(diskName, node);
                entries.Add(new DatastoreDirectoryEntry(diskName, node));
            }

            diskNames.Add(DatastoreNames.RawDisk(i));
        }

        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i];
            if (!DatastoreNames.IsValidName(file.Name))
            {
                throw new ArgumentException($"'{file.Name}' cannot be a file name in the datastore: use one path component of at most 255 bytes.", nameof(files));
            }

            var node = new GeneratedFileNode(this, i, file);
            if (!reserved.TryAdd(file.Name, node))
            {
                throw new ArgumentException($"Publication '{name}' has two files named '{file.Name}'; give every generated file a name of its own.", nameof(files));
            }

            _generated[i] = node;
            entries.Add(new DatastoreDirectoryEntry(file.Name, node));
        }

        _reserved = reserved.ToFrozenDictionary(StringComparer.Ordinal);
        ReservedEntries = entries;
        DiskFileNames = diskNames;
        Tree = LocalTree.Open(Path.Combine(cacheFolder, ClientFilesFolderName), fileSystem.MinRescanInterval, fileSystem.Time);
        Node = new PublicationNode(this);
    }

    public string Name { get; }

    /// <summary>Part of the file handles of this publication's objects.</summary>
    public ulong Id { get; }

    public string CacheFolder { get; }

    /// <summary>Nothing may change it: its disks, its files or its folders.</summary>
    public bool IsReadOnly { get; }

    /// <summary>The only client addresses it answers (narrowed), or null when the server's allow list decides.</summary>
    public IReadOnlyList<IPAddress>? Clients => _clients;

    public string ClientFilesFolder => Tree.RootPath;

    /// <summary>The <c>diskN.raw</c> name of each disk, in order.</summary>
    public IReadOnlyList<string> DiskFileNames { get; }

    internal DatastoreFileSystem FileSystem { get; }

    internal long PublishedAt { get; }

    internal LocalTree Tree { get; }

    internal PublicationNode Node { get; }

    internal IReadOnlyList<DatastoreDirectoryEntry> ReservedEntries { get; }

    /// <summary>
    /// A narrowed publication's rule: the peer's address is one of <see cref="Clients"/> and, when it is on this machine,
    /// the peer is privileged; a unix socket peer never.
    /// </summary>
    public bool Admits(RpcPeer peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (_clients is null || peer.EndPoint is null)
        {
            return false;
        }

        var address = ExportAdmission.Plain(peer.EndPoint.Address);
        return Array.IndexOf(_clients, address) >= 0 && (!peer.IsLocal || peer.IsPrivileged);
    }

    internal DatastoreNode? FindReserved(string name) => _reserved.GetValueOrDefault(name);

    internal DatastoreNode? GeneratedFile(ulong index) => index < (ulong)_generated.Length ? _generated[index] : null;

    internal DatastoreNode? DiskFile(ulong index) => index < (ulong)_disks.Length ? _disks[index] : null;

    public void Dispose() => Tree.Dispose();
}
