using Lifeboat.Nfs.Datastore.Local;
using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

/// <summary>A symbolic link a client made; the server stores its target and never follows it.</summary>
internal sealed class LocalSymlinkNode(DatastorePublication publication, DatastoreFileHandle handle, string path, LocalStat stat)
    : DatastoreNode(publication.FileSystem, handle)
{
    private LocalStat _stat = stat;

    public override Ftype3 Type => Ftype3.Lnk;

    public override Nfs3Status GetAttributes(out Fattr3 attributes)
    {
        if (publication.Tree.Stat(path, out var current) == Nfs3Status.Ok && current.Inode == _stat.Inode)
        {
            _stat = current;
        }

        attributes = LocalNodes.Attributes(this, _stat);
        return Nfs3Status.Ok;
    }

    public override Nfs3Status ReadLink(out string target) => publication.Tree.ReadLink(path, out target);

    public override ValueTask<Nfs3Status> SetAttributesAsync(Sattr3 attributes, CancellationToken cancellationToken) =>
        ValueTask.FromResult(LocalNodes.SetAttributes(publication, path, _stat, attributes));
}
