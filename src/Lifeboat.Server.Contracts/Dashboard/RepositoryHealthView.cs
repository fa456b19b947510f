namespace Lifeboat.Server.Contracts.Dashboard;

/// <summary>A registered repository: its file system's space and what it stores.</summary>
/// <param name="TotalBytes">The size of the file system the repository is on (null when it could not be read).</param>
/// <param name="UsedBytes">What is used on that file system, by the repository and everything else on it.</param>
/// <param name="FreeBytes">What the server may still write there.</param>
/// <param name="UsedPercent">Used over total, 0 to 100.</param>
/// <param name="StoredBytes">Bytes the repository's packs hold.</param>
/// <param name="LogicalBytes">The sum of every restore point's disk sizes: what the restore points would take as full copies.</param>
/// <param name="DedupFactor">Logical over stored bytes; null while nothing is stored.</param>
/// <param name="NearlyFull">The file system is used beyond the server's threshold (<c>--repository-full-percent</c>).</param>
/// <param name="Error">Why the repository could not be read, in one sentence; null when it could.</param>
public sealed record RepositoryHealthView(
    string Path,
    bool IsDefault,
    long? TotalBytes,
    long? UsedBytes,
    long? FreeBytes,
    double? UsedPercent,
    long? StoredBytes,
    long? LogicalBytes,
    double? DedupFactor,
    int RestorePoints,
    bool NearlyFull,
    string? Error);
