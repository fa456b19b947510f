using Lifeboat.Nfs.Datastore.Local;
using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

/// <summary>A file or symbolic link a client made: its attributes are the real object's, read again at every GETATTR.</summary>
internal abstract class LocalNode(DatastorePublication publication, DatastoreFileHandle handle, string path, LocalStat stat)
    : DatastoreNode(publication.FileSystem, handle)
{
    private LocalStat _stat = stat;

    public override Ftype3 Type => LocalNodes.TypeOf(_stat.Type);

    protected DatastorePublication Publication => publication;

    protected string Path => path;

    protected ulong Inode => _stat.Inode;

    public override Nfs3Status GetAttributes(out Fattr3 attributes) =>
        LocalNodes.GetAttributes(this, publication, path, ref _stat, out attributes);

    public override ValueTask<Nfs3Status> SetAttributesAsync(Sattr3 attributes, CancellationToken cancellationToken) =>
        ValueTask.FromResult(LocalNodes.SetAttributes(publication, path, _stat, attributes));
}
