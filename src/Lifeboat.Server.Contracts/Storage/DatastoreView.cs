namespace Lifeboat.Server.Contracts.Storage;

/// <summary>
/// A place an admin declared that operators may make the server write into (write caches, production disks), as
/// <c>GET /api/datastores</c> shows it; <paramref name="BuiltIn"/> is the server's own cache folder, always there.
/// </summary>
public sealed record DatastoreView(string Name, string Path, bool BuiltIn, DateTimeOffset? AddedAt);

/// <summary>The body of <c>POST /api/datastores</c>: an existing folder, by a name of its own.</summary>
public sealed record AddDatastoreRequest(string Name, string Path);
