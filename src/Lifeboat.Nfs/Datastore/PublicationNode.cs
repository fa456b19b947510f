using Lifeboat.Nfs.Datastore.Local;
using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

/// <summary>The folder of one publication: its generated files, its disk files and what clients created in it.</summary>
internal sealed class PublicationNode(DatastorePublication publication)
    : PublicationFolderNode(publication, new DatastoreFileHandle(DatastoreNodeKind.Publication, publication.FileSystem.DatastoreId, publication.Id, 0, 0))
{
    public override string FolderPath => string.Empty;

    /// <summary>
    /// The folder itself: a publication is the datastore of one recovery session, and its hypervisor mounts this folder
    /// (libnfs mounts the folder above the disk file), so from inside a publication ".." names nothing above it, neither
    /// the export root nor another session's folder.
    /// </summary>
    protected override DatastoreNode Parent => this;

    public override Nfs3Status GetAttributes(out Fattr3 attributes)
    {
        if (Publication.Tree.Stat(string.Empty, out var stat) != Errno.None)
        {
            attributes = default;
            return Nfs3Status.Io;
        }

        attributes = VirtualAttributes(
            Ftype3.Dir,
            FileModes.Directory,
            stat.Nlink,
            stat.Size,
            stat.AtimeNanoseconds,
            Math.Max(stat.MtimeNanoseconds, Publication.PublishedAt),
            Math.Max(stat.CtimeNanoseconds, Publication.PublishedAt));
        return Nfs3Status.Ok;
    }
}
