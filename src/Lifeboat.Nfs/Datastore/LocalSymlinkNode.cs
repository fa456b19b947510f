using Lifeboat.Nfs.Datastore.Local;
using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

/// <summary>A symbolic link a client made; the server stores its target and never follows it.</summary>
internal sealed class LocalSymlinkNode(DatastorePublication publication, DatastoreFileHandle handle, string path, LocalStat stat)
    : LocalNode(publication, handle, path, stat)
{
    public override Nfs3Status ReadLink(out string target) => ErrnoStatus.Of(Publication.Tree.ReadLink(Path, out target));
}
