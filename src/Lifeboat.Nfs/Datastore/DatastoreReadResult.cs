using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

internal readonly record struct DatastoreReadResult(Nfs3Status Status, int Count, bool Eof)
{
    public static DatastoreReadResult Failed(Nfs3Status status) => new(status, 0, false);
}
