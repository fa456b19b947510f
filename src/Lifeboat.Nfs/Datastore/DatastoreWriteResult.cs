using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

internal readonly record struct DatastoreWriteResult(Nfs3Status Status, StableHow Committed)
{
    public static DatastoreWriteResult Failed(Nfs3Status status) => new(status, StableHow.Unstable);
}
