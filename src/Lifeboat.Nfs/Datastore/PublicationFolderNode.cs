using Lifeboat.Nfs.Datastore.Local;
using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

/// <summary>
/// A folder of a publication where clients create, rename and remove their own files: the publication folder
/// itself (whose generated and disk files are reserved names) or a folder a client made.
/// </summary>
internal abstract class PublicationFolderNode(DatastorePublication publication, DatastoreFileHandle handle)
    : DatastoreNode(publication.FileSystem, handle)
{
    public DatastorePublication Publication { get; } = publication;

    /// <summary>The folder's path inside the publication's client files folder ("" for the publication folder).</summary>
    public abstract string FolderPath { get; }

    public override Ftype3 Type => Ftype3.Dir;

    protected abstract DatastoreNode Parent { get; }

    private LocalTree Tree => Publication.Tree;

    public override Nfs3Status Lookup(string name, out DatastoreNode node)
    {
        node = this;
        switch (name)
        {
            case ".":
                return Nfs3Status.Ok;
            case "..":
                node = Parent;
                return Nfs3Status.Ok;
        }

        var status = DatastoreNames.CheckComponent(name);
        if (status != Nfs3Status.Ok)
        {
            return status;
        }

        if (Reserved(name) is { } reserved)
        {
            node = reserved;
            return Nfs3Status.Ok;
        }

        var errno = Tree.Lookup(FolderPath, name, out var path, out var stat);
        if (errno == Errno.None)
        {
            node = LocalNodes.Create(Publication, path, stat);
        }

        return ErrnoStatus.Of(errno);
    }

    public override Nfs3Status List(List<DatastoreDirectoryEntry> entries)
    {
        var local = new List<(string Name, LocalStat Stat)>();
        var errno = Tree.List(FolderPath, local);
        if (errno != Errno.None)
        {
            return ErrnoStatus.Of(errno);
        }

        if (FolderPath.Length == 0)
        {
            entries.AddRange(Publication.ReservedEntries);
        }

        foreach (var (name, stat) in local)
        {
            if (Reserved(name) is null)
            {
                entries.Add(new DatastoreDirectoryEntry(name, LocalNodes.Create(Publication, LocalTree.Combine(FolderPath, name), stat)));
            }
        }

        return Nfs3Status.Ok;
    }

    public override async ValueTask<(Nfs3Status Status, DatastoreNode? Node)> CreateFileAsync(
        string name, CreateMode3 mode, Sattr3 attributes, ulong verifier, DatastoreOwner? owner, CancellationToken cancellationToken)
    {
        var status = DatastoreNames.CheckNewName(name);
        if (status != Nfs3Status.Ok)
        {
            return (status, null);
        }

        if (Reserved(name) is { } reserved)
        {
            // UNCHECKED means "create or open": it opens a generated or disk file, never replaces it.
            if (mode != CreateMode3.Unchecked)
            {
                return (Nfs3Status.Exist, null);
            }

            status = await reserved.SetAttributesAsync(attributes, cancellationToken).ConfigureAwait(false);
            return (status, status == Nfs3Status.Ok ? reserved : null);
        }

        return CreateLocalFile(name, mode, attributes, verifier, owner);
    }

    public override Nfs3Status MakeDirectory(string name, in Sattr3 attributes, DatastoreOwner? owner, out DatastoreNode? node)
    {
        node = null;
        var status = CheckNewLocalName(name);
        if (status == Nfs3Status.Ok)
        {
            status = ErrnoStatus.Of(Tree.MakeDirectory(FolderPath, name, attributes.Mode ?? FileModes.Directory, out var path, out _));
            if (status == Nfs3Status.Ok)
            {
                status = ApplyAndCreateNode(path, WithOwner(attributes, owner) with { Size = null }, out node);
            }
        }

        return status;
    }

    public override Nfs3Status MakeSymlink(string name, string target, in Sattr3 attributes, DatastoreOwner? owner, out DatastoreNode? node)
    {
        node = null;
        var status = CheckNewLocalName(name);
        if (status == Nfs3Status.Ok)
        {
            status = ErrnoStatus.Of(Tree.MakeSymlink(FolderPath, name, target, out var path, out _));
            if (status == Nfs3Status.Ok)
            {
                // A link's own mode means nothing on Linux; only the owner and times are applied.
                status = ApplyAndCreateNode(path, WithOwner(attributes, owner) with { Mode = null, Size = null }, out node);
            }
        }

        return status;
    }

    public override Nfs3Status Remove(string name) => RemoveEntry(name, isDirectory: false);

    public override Nfs3Status RemoveDirectory(string name) => RemoveEntry(name, isDirectory: true);

    public override Nfs3Status Rename(string name, DatastoreNode toDirectory, string toName)
    {
        var status = DatastoreNames.CheckExistingName(name);
        if (status == Nfs3Status.Ok)
        {
            status = DatastoreNames.CheckNewName(toName);
        }

        if (status != Nfs3Status.Ok)
        {
            return status;
        }

        if (toDirectory is not PublicationFolderNode target)
        {
            return toDirectory.Type == Ftype3.Dir ? Nfs3Status.XDev : Nfs3Status.NotDir;
        }

        if (target.Publication != Publication)
        {
            return Nfs3Status.XDev;
        }

        if (Reserved(name) is not null || target.Reserved(toName) is not null)
        {
            return Nfs3Status.Acces;
        }

        return ErrnoStatus.Of(Tree.Rename(FolderPath, name, target.FolderPath, toName));
    }

    /// <summary>The generated or disk file of this name when this folder is the publication folder.</summary>
    protected DatastoreNode? Reserved(string name) => FolderPath.Length == 0 ? Publication.FindReserved(name) : null;

    private static Sattr3 WithOwner(in Sattr3 attributes, DatastoreOwner? owner) =>
        owner is { } o ? attributes with { Uid = attributes.Uid ?? o.Uid, Gid = attributes.Gid ?? o.Gid } : attributes;

    private (Nfs3Status Status, DatastoreNode? Node) CreateLocalFile(string name, CreateMode3 mode, Sattr3 attributes, ulong verifier, DatastoreOwner? owner)
    {
        var errno = Tree.CreateFile(FolderPath, name, exclusive: true, attributes.Mode ?? FileModes.ReadWrite, out var path, out var stat);
        if (errno == Errno.Exist && mode != CreateMode3.Guarded)
        {
            errno = Tree.Lookup(FolderPath, name, out path, out stat);
            if (errno != Errno.None)
            {
                return (ErrnoStatus.Of(errno), null);
            }

            if (stat.Type != LocalFileType.Regular)
            {
                return (Nfs3Status.Exist, null);
            }

            if (mode == CreateMode3.Exclusive)
            {
                return IsExclusiveCreate(stat, verifier) ? (Nfs3Status.Ok, LocalNodes.Create(Publication, path, stat)) : (Nfs3Status.Exist, null);
            }

            // UNCHECKED of an existing file: open it, applying the attributes (a size truncates it), but keep its owner.
            return SetAndCreateNode(path, stat, attributes);
        }

        if (errno != Errno.None)
        {
            return (ErrnoStatus.Of(errno), null);
        }

        attributes = WithOwner(attributes, owner);
        if (mode == CreateMode3.Exclusive)
        {
            // As Linux servers do, the verifier lives in the new file's atime and mtime seconds until the client's
            // SETATTR replaces them; a retried CREATE whose first reply was lost finds it there and succeeds.
            attributes = attributes with
            {
                Mode = null,
                Size = null,
                Atime = new SetTime3(TimeHow.SetToClientTime, new NfsTime3((uint)(verifier >> 32), 0)),
                Mtime = new SetTime3(TimeHow.SetToClientTime, new NfsTime3((uint)verifier, 0)),
            };
        }

        return SetAndCreateNode(path, stat, attributes);
    }

    private static bool IsExclusiveCreate(in LocalStat stat, ulong verifier) =>
        NfsTime3.FromUnixNanoseconds(stat.AtimeNanoseconds).Seconds == (uint)(verifier >> 32)
        && NfsTime3.FromUnixNanoseconds(stat.MtimeNanoseconds).Seconds == (uint)verifier;

    private (Nfs3Status Status, DatastoreNode? Node) SetAndCreateNode(string path, in LocalStat stat, in Sattr3 attributes)
    {
        var status = LocalNodes.SetAttributes(Publication, path, stat, attributes);
        if (status != Nfs3Status.Ok)
        {
            return (status, null);
        }

        var errno = Tree.Stat(path, out var current);
        return errno == Errno.None ? (Nfs3Status.Ok, LocalNodes.Create(Publication, path, current)) : (ErrnoStatus.Of(errno), null);
    }

    private Nfs3Status ApplyAndCreateNode(string path, Sattr3 attributes, out DatastoreNode? node)
    {
        node = null;
        var errno = Tree.Stat(path, out var stat);
        var change = LocalNodes.ChangeOf(attributes);
        if (errno == Errno.None && !change.IsEmpty)
        {
            errno = Tree.SetAttributes(path, stat.Type, change);
            if (errno == Errno.None)
            {
                errno = Tree.Stat(path, out stat);
            }
        }

        if (errno == Errno.None)
        {
            node = LocalNodes.Create(Publication, path, stat);
        }

        return ErrnoStatus.Of(errno);
    }

    private Nfs3Status CheckNewLocalName(string name)
    {
        var status = DatastoreNames.CheckNewName(name);
        return status == Nfs3Status.Ok && Reserved(name) is not null ? Nfs3Status.Exist : status;
    }

    private Nfs3Status RemoveEntry(string name, bool isDirectory)
    {
        var status = DatastoreNames.CheckExistingName(name);
        if (status != Nfs3Status.Ok)
        {
            return status;
        }

        return Reserved(name) is not null ? Nfs3Status.Acces : ErrnoStatus.Of(Tree.Remove(FolderPath, name, isDirectory));
    }
}
