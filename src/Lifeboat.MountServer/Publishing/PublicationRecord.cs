namespace Lifeboat.MountServer.Publishing;

/// <summary>
/// What the mount server remembers of one publication, so that a restart publishes it again unchanged. A null
/// <see cref="RepositoryPath"/> is the mount server's own repository; a <see cref="ReadOnly"/> one refuses every write
/// over NFS and NBD. A narrowed one answers only <see cref="Clients"/> (IP addresses), and the mount server listens
/// for it at <see cref="ServedAt"/> too.
/// </summary>
public sealed record PublicationRecord(
    string Name,
    string Vm,
    string RestorePointId,
    string CacheFolder,
    DateTimeOffset PublishedAt,
    string? RepositoryPath = null,
    bool ReadOnly = false,
    IReadOnlyList<string>? Clients = null,
    string? ServedAt = null);
