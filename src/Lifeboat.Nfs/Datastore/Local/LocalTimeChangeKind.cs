namespace Lifeboat.Nfs.Datastore.Local;

internal enum LocalTimeChangeKind
{
    Unchanged,
    Now,
    At,
}
