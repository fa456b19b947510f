namespace Lifeboat.Server.Contracts.Repositories;

/// <summary>A registered repository as <c>GET /api/repositories</c> shows it: what it holds and the room left on its file system.</summary>
/// <param name="Encrypted">Null when the repository could not be read (see <paramref name="Problem"/>).</param>
/// <param name="VmBytes">The virtual size of each VM's newest restore point, summed.</param>
/// <param name="LogicalBytes">The virtual size of every restore point, summed: what the repository would hold without dedup.</param>
/// <param name="StoredBytes">Bytes of chunk records in its packs.</param>
/// <param name="FileSystemUsedBytes">Used bytes of the file system the repository is on; null when it could not be read.</param>
/// <param name="Problem">Why the repository cannot be read now, in one sentence; null when it can.</param>
public sealed record RepositoryView(
    string Path,
    bool IsDefault,
    DateTimeOffset AddedAt,
    bool? Encrypted = null,
    int Vms = 0,
    int RestorePoints = 0,
    long VmBytes = 0,
    long LogicalBytes = 0,
    long StoredBytes = 0,
    long? FileSystemUsedBytes = null,
    long? FileSystemFreeBytes = null,
    string? Problem = null)
{
    /// <summary>Logical bytes per stored byte; null while nothing is stored.</summary>
    public double? DedupFactor => StoredBytes > 0 ? (double)LogicalBytes / StoredBytes : null;
}

/// <summary>The body of <c>POST /api/repositories</c>: an existing repository's folder on the server.</summary>
public sealed record AddRepositoryRequest(string Path);
