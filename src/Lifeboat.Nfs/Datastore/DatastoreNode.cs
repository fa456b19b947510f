using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

/// <summary>
/// One object of the datastore file system as the NFS procedures see it. The base class answers every operation
/// the object does not support with the status a POSIX server gives for it.
/// </summary>
internal abstract class DatastoreNode(DatastoreFileSystem fileSystem, DatastoreFileHandle handle)
{
    public DatastoreFileSystem FileSystem { get; } = fileSystem;

    public DatastoreFileHandle Handle { get; } = handle;

    public abstract Ftype3 Type { get; }

    /// <summary>The fileid3: stable across restarts, unique within the datastore.</summary>
    public ulong FileId => FileSystem.FileIdOf(Handle);

    /// <summary>The verifier WRITE and COMMIT return for this object.</summary>
    public virtual ulong WriteVerifier => FileSystem.InstanceVerifier;

    public abstract Nfs3Status GetAttributes(out Fattr3 attributes);

    public virtual Nfs3Status Lookup(string name, out DatastoreNode node)
    {
        node = this;
        return Nfs3Status.NotDir;
    }

    public virtual Nfs3Status List(List<DatastoreDirectoryEntry> entries) => Nfs3Status.NotDir;

    /// <summary>CREATE; for EXCLUSIVE, <paramref name="verifier"/> is kept with the file so a retried CREATE succeeds.</summary>
    public virtual ValueTask<(Nfs3Status Status, DatastoreNode? Node)> CreateFileAsync(
        string name, CreateMode3 mode, Sattr3 attributes, ulong verifier, DatastoreOwner? owner, CancellationToken cancellationToken) =>
        ValueTask.FromResult<(Nfs3Status, DatastoreNode?)>((Unchangeable, null));

    public virtual Nfs3Status MakeDirectory(string name, in Sattr3 attributes, DatastoreOwner? owner, out DatastoreNode? node)
    {
        node = null;
        return Unchangeable;
    }

    public virtual Nfs3Status MakeSymlink(string name, string target, in Sattr3 attributes, DatastoreOwner? owner, out DatastoreNode? node)
    {
        node = null;
        return Unchangeable;
    }

    public virtual Nfs3Status Remove(string name) => Unchangeable;

    public virtual Nfs3Status RemoveDirectory(string name) => Unchangeable;

    public virtual Nfs3Status Rename(string name, DatastoreNode toDirectory, string toName) => Unchangeable;

    public virtual ValueTask<DatastoreReadResult> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken) =>
        ValueTask.FromResult(DatastoreReadResult.Failed(NotAFile));

    public virtual ValueTask<DatastoreWriteResult> WriteAsync(long offset, ReadOnlyMemory<byte> data, StableHow stable, CancellationToken cancellationToken) =>
        ValueTask.FromResult(DatastoreWriteResult.Failed(NotAFile));

    public virtual ValueTask<Nfs3Status> CommitAsync(CancellationToken cancellationToken) => ValueTask.FromResult(NotAFile);

    /// <summary>SETATTR without the guard, which the caller checks.</summary>
    public virtual ValueTask<Nfs3Status> SetAttributesAsync(Sattr3 attributes, CancellationToken cancellationToken) =>
        ValueTask.FromResult(attributes.IsEmpty ? Nfs3Status.Ok : Nfs3Status.Acces);

    public virtual Nfs3Status ReadLink(out string target)
    {
        target = string.Empty;
        return Nfs3Status.Inval;
    }

    /// <summary>The fsid3 and fileid3 every attribute set of this node carries.</summary>
    protected Fattr3 VirtualAttributes(Ftype3 type, uint mode, uint nlink, ulong size, long atime, long mtime, long ctime) => new(
        type,
        mode,
        nlink,
        FileSystem.OwnerUid,
        FileSystem.OwnerGid,
        size,
        size,
        0,
        0,
        FileSystem.Fsid,
        FileId,
        NfsTime3.FromUnixNanoseconds(atime),
        NfsTime3.FromUnixNanoseconds(mtime),
        NfsTime3.FromUnixNanoseconds(ctime));

    private Nfs3Status NotAFile => Type == Ftype3.Dir ? Nfs3Status.IsDir : Nfs3Status.Inval;

    /// <summary>
    /// What CREATE, MKDIR, SYMLINK, REMOVE, RMDIR and RENAME get from a node that does not take them: a folder that
    /// does not (the export root, whose folders only the server adds) refuses them, anything else is no folder.
    /// </summary>
    private Nfs3Status Unchangeable => Type == Ftype3.Dir ? Nfs3Status.Acces : Nfs3Status.NotDir;
}
