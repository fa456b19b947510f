namespace Lifeboat.Disks.Caching;

/// <summary>What lies beneath the write cache: the content a partial write completes its cluster with.</summary>
internal interface IClusterSource
{
    /// <summary>Fills <paramref name="destination"/> with the content at <paramref name="offset"/> of clusters the write cache does not hold, keeping no copy.</summary>
    ValueTask ReadUnwrittenAsync(long offset, Memory<byte> destination, CancellationToken ct);
}
