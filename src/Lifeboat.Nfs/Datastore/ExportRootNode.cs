using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

/// <summary>
/// The export's root folder: one folder per publication, added and removed by the server only (a client's change is
/// refused by <see cref="DatastoreNode"/>).
/// </summary>
internal sealed class ExportRootNode(DatastoreFileSystem fileSystem)
    : DatastoreNode(fileSystem, new DatastoreFileHandle(DatastoreNodeKind.ExportRoot, fileSystem.DatastoreId, 0, 0, 0))
{
    public override Ftype3 Type => Ftype3.Dir;

    public override Nfs3Status GetAttributes(out Fattr3 attributes)
    {
        var changed = FileSystem.ChangedAt;
        attributes = VirtualAttributes(Ftype3.Dir, FileModes.ReadOnlyDirectory, 2 + (uint)FileSystem.PublicationCount, 4096, changed, changed, changed);
        return Nfs3Status.Ok;
    }

    public override Nfs3Status Lookup(string name, out DatastoreNode node)
    {
        node = this;
        if (name is "." or "..")
        {
            return Nfs3Status.Ok;
        }

        var status = DatastoreNames.CheckComponent(name);
        if (status != Nfs3Status.Ok)
        {
            return status;
        }

        if (!FileSystem.TryGetPublication(name, out var publication))
        {
            return Nfs3Status.NoEnt;
        }

        node = publication.Node;
        return Nfs3Status.Ok;
    }

    public override Nfs3Status List(List<DatastoreDirectoryEntry> entries)
    {
        foreach (var publication in FileSystem.Publications)
        {
            entries.Add(new DatastoreDirectoryEntry(publication.Name, publication.Node));
        }

        return Nfs3Status.Ok;
    }
}
