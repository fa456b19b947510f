using Lifeboat.Server.Data;

namespace Lifeboat.Server.Health;

/// <summary>What one registered repository held and how full its file system was when it was last read.</summary>
/// <param name="TotalBytes">The file system's size; null when it could not be read.</param>
/// <param name="AvailableBytes">What the server may still write there.</param>
/// <param name="UsedBytes">What is used on the file system, by anything.</param>
/// <param name="StoredBytes">The repository's packs; null when the repository could not be opened.</param>
/// <param name="LogicalBytes">The sum of the restore points' disk sizes.</param>
/// <param name="NewestByVm">The time of each VM's newest restore point.</param>
/// <param name="Error">Why the repository or its file system could not be read.</param>
public sealed record RepositoryReading(
    RegisteredRepository Repository,
    long? TotalBytes,
    long? AvailableBytes,
    long? UsedBytes,
    long? StoredBytes,
    long? LogicalBytes,
    int RestorePoints,
    IReadOnlyDictionary<string, DateTimeOffset> NewestByVm,
    string? Error)
{
    /// <summary>Used over used + available, as df counts it (space kept for root is not the server's).</summary>
    public double? UsedPercent => UsedBytes is { } used && AvailableBytes is { } available && used + available > 0
        ? Math.Round(100.0 * used / (used + available), 1)
        : null;

    /// <summary>Logical over stored bytes; null while nothing is stored.</summary>
    public double? DedupFactor => StoredBytes is > 0 && LogicalBytes is { } logical ? Math.Round((double)logical / StoredBytes.Value, 2) : null;
}
