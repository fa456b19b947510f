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
            LocalFileType.Directory => new LocalDirectoryNode(publication, handle, path, stat),
            LocalFileType.SymbolicLink => new LocalSymlinkNode(publication, handle, path, stat),
            _ => new LocalFileNode(publication, handle, path, stat),
        };
    }

    /// <summary>
    /// GETATTR of a client-created object: its attributes as they are now, kept in <paramref name="known"/>, or the
    /// last seen when its path no longer holds it (removed or renamed behind the node's back), never another object's.
    /// </summary>
    public static Nfs3Status GetAttributes(DatastoreNode node, DatastorePublication publication, string path, ref LocalStat known, out Fattr3 attributes)
    {
        if (publication.Tree.Stat(path, out var current) == Errno.None && current.Inode == known.Inode)
        {
            known = current;
        }

        attributes = Attributes(node, known);
        return Nfs3Status.Ok;
    }

    public static Ftype3 TypeOf(LocalFileType type) => type switch
    {
        LocalFileType.Regular => Ftype3.Reg,
        LocalFileType.Directory => Ftype3.Dir,
        LocalFileType.SymbolicLink => Ftype3.Lnk,
        LocalFileType.CharacterDevice => Ftype3.Chr,
        LocalFileType.BlockDevice => Ftype3.Blk,
        LocalFileType.Fifo => Ftype3.Fifo,
        _ => Ftype3.Sock,
    };

    /// <summary>SETATTR of a client-created object; the size only applies to regular files.</summary>
    public static Nfs3Status SetAttributes(DatastorePublication publication, string path, in LocalStat stat, in Sattr3 attributes)
    {
        if (attributes.Size is { } size)
        {
            if (stat.Type != LocalFileType.Regular)
            {
                return stat.Type == LocalFileType.Directory ? Nfs3Status.IsDir : Nfs3Status.Inval;
            }

            var truncated = publication.Tree.Files.Truncate(path, stat.Inode, size);
            if (truncated != Errno.None)
            {
                return ErrnoStatus.Of(truncated);
            }
        }

        var change = ChangeOf(attributes);
        return change.IsEmpty ? Nfs3Status.Ok : ErrnoStatus.Of(publication.Tree.SetAttributes(path, stat.Type, change));
    }

    /// <summary>SETATTR's mode, owner and times in the folder's terms (the size is the caller's to apply).</summary>
    public static LocalAttributeChange ChangeOf(in Sattr3 attributes) =>
        new(attributes.Mode, attributes.Uid, attributes.Gid, TimeChangeOf(attributes.Atime), TimeChangeOf(attributes.Mtime));

    private static Fattr3 Attributes(DatastoreNode node, in LocalStat stat) => new(
        TypeOf(stat.Type),
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

    private static LocalTimeChange TimeChangeOf(SetTime3 time) => time.How switch
    {
        TimeHow.DontChange => default,
        TimeHow.SetToServerTime => LocalTimeChange.Now,
        _ => LocalTimeChange.At(time.Time.Seconds, time.Time.Nanoseconds),
    };
}
