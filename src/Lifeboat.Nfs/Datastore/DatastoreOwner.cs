namespace Lifeboat.Nfs.Datastore;

/// <summary>The caller that creates an object, who owns it unless the request names another owner.</summary>
internal readonly record struct DatastoreOwner(uint Uid, uint Gid);
