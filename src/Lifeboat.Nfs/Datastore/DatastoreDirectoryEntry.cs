namespace Lifeboat.Nfs.Datastore;

internal readonly record struct DatastoreDirectoryEntry(string Name, DatastoreNode Node);
