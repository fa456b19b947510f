using Lifeboat.Nfs.Datastore.Local;
using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

/// <summary>A folder a client made inside a publication.</summary>
internal sealed class LocalDirectoryNode(DatastorePublication publication, DatastoreFileHandle handle, string path, LocalStat stat)
    : PublicationFolderNode(publication, handle)
{
    private LocalStat _stat = stat;

    public override string FolderPath { get; } = path;

    protected override DatastoreNode Parent
    {
        get
        {
            var parent = LocalTree.ParentOf(FolderPath);
            if (parent.Length == 0)
            {
                return Publication.Node;
            }

            // A parent that vanished in a race leaves ".." at the publication folder: never outside it.
            return Publication.Tree.Stat(parent, out var parentStat) == Errno.None && parentStat.Type == LocalFileType.Directory
                ? LocalNodes.Create(Publication, parent, parentStat)
                : Publication.Node;
        }
    }

    public override Nfs3Status GetAttributes(out Fattr3 attributes) =>
        LocalNodes.GetAttributes(this, Publication, FolderPath, ref _stat, out attributes);

    public override ValueTask<Nfs3Status> SetAttributesAsync(Sattr3 attributes, CancellationToken cancellationToken) =>
        ValueTask.FromResult(LocalNodes.SetAttributes(Publication, FolderPath, _stat, attributes));
}
