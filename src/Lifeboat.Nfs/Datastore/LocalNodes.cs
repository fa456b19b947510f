using Lifeboat.Nfs.Datastore.Local;
using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

/// <summary>Builds the node for a client-created object and holds what its three kinds share.</summary>
internal static class LocalNodes
{
    public static DatastoreNode Create(DatastorePublication publication, string path, in LocalStat stat)
    {
        var handle = new DatastoreFileHandle(DatastoreNodeKind.Local, publication.FileSystem.DatastoreId, publication.Id, stat.Inode, stat.Generation);
        return stat.Type switch
        {
            Ftype3.Dir => new LocalDirectoryNode(publication, handle, path, stat),
            Ftype3.Lnk => new LocalSymlinkNode(publication, handle, path, stat),
            _ => new LocalFileNode(publication, handle, path, stat),
        };
    }

    /// <summary>
    /// The object's attributes as they are now, or <paramref name="known"/> when its path no longer holds it (removed
    /// or renamed behind the node's back): a node answers GETATTR with what it last saw rather than another object's.
    /// </summary>
    public static LocalStat Refreshed(DatastorePublication publication, string path, in LocalStat known) =>
        publication.Tree.Stat(path, out var current) == Errno.None && current.Inode == known.Inode ? current : known;

    public static Fattr3 Attributes(DatastoreNode node, in LocalStat stat) => new(
        stat.Type,
        stat.Permissions,
        stat.Nlink,
        stat.Uid,
        stat.Gid,
        stat.Size,
        stat.Used,
        0,
        0,
        node.FileSystem.Fsid,
        node.FileId,
        NfsTime3.FromUnixNanoseconds(stat.AtimeNanoseconds),
        NfsTime3.FromUnixNanoseconds(stat.MtimeNanoseconds),
        NfsTime3.FromUnixNanoseconds(stat.CtimeNanoseconds));

    /// <summary>SETATTR of a client-created object; the size only applies to regular files.</summary>
    public static Nfs3Status SetAttributes(DatastorePublication publication, string path, in LocalStat stat, in Sattr3 attributes)
    {
        if (attributes.Size is { } size)
        {
            if (stat.Type != Ftype3.Reg)
            {
                return stat.Type == Ftype3.Dir ? Nfs3Status.IsDir : Nfs3Status.Inval;
            }

            var truncated = publication.Tree.Files.Truncate(path, stat.Inode, size);
            if (truncated != Errno.None)
            {
                return ErrnoStatus.Of(truncated);
            }
        }

        var rest = attributes with { Size = null };
        return rest.IsEmpty ? Nfs3Status.Ok : ErrnoStatus.Of(publication.Tree.SetAttributes(path, stat.Type, rest, publication.FileSystem.Now));
    }
}
