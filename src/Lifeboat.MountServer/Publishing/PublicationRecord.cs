namespace Lifeboat.MountServer.Publishing;

/// <summary>What the mount server remembers of one publication, so that a restart publishes it again unchanged.</summary>
public sealed record PublicationRecord(
    string Name,
    string Vm,
    string RestorePointId,
    string CacheFolder,
    DateTimeOffset PublishedAt);
