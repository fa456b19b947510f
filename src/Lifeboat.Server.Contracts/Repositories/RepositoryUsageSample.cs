namespace Lifeboat.Server.Contracts.Repositories;

/// <summary>
/// A repository's size at one moment, as <c>GET /api/repositories/history?path=</c> lists it: recorded after every job
/// run into it and at least daily.
/// </summary>
/// <param name="StoredBytes">Bytes of chunk records in its packs.</param>
/// <param name="LogicalBytes">The virtual size of every restore point, summed.</param>
/// <param name="FileSystemUsedBytes">Used bytes of its file system; null when it could not be read.</param>
public sealed record RepositoryUsageSample(
    DateTimeOffset At,
    string Repository,
    long StoredBytes,
    long LogicalBytes,
    int RestorePoints,
    long? FileSystemUsedBytes,
    long? FileSystemFreeBytes)
{
    /// <summary>Logical bytes per stored byte; null while nothing is stored.</summary>
    public double? DedupFactor => StoredBytes > 0 ? (double)LogicalBytes / StoredBytes : null;
}
