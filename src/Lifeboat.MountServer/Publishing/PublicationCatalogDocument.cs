namespace Lifeboat.MountServer.Publishing;

/// <summary>The catalog file's content: the datastore's id (part of every file handle) and the publications.</summary>
public sealed record PublicationCatalogDocument(int Version, ulong DatastoreId, IReadOnlyList<PublicationRecord> Publications);
