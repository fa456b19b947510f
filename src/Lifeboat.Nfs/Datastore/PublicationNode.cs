using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

/// <summary>The folder of one publication: its generated files, its disk files and what clients created in it.</summary>
internal sealed class PublicationNode(DatastorePublication publication)
    : PublicationFolderNode(publication, new DatastoreFileHandle(DatastoreNodeKind.Publication, publication.FileSystem.DatastoreId, publication.Id, 0, 0))
{
    public override string FolderPath => string.Empty;

    protected override DatastoreNode Parent => FileSystem.Root;

    public override Nfs3Status GetAttributes(out Fattr3 attributes)
    {
        var status = Publication.Tree.Stat(string.Empty, out var stat);
        if (status != Nfs3Status.Ok)
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
