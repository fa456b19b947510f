namespace Lifeboat.Disks;

/// <summary>A snapshot of a published disk's counters since it was opened (sizes are current).</summary>
public sealed record PublishedDiskStats
{
    public long Length { get; init; }
    public int ClusterSize { get; init; }

    /// <summary>Clusters held by the write cache (written since publication, including before a restart).</summary>
    public long WrittenClusters { get; init; }

    /// <summary>Bytes of disk content held by the write cache.</summary>
    public long CacheBytes { get; init; }

    public long HydratedClusters { get; init; }
    public long HydratedBytes { get; init; }

    public long ReadRequests { get; init; }
    public long BytesRead { get; init; }

    /// <summary>Read runs served by the write cache.</summary>
    public long CacheHits { get; init; }

    /// <summary>Read runs served by hydrated copies.</summary>
    public long HydrationHits { get; init; }

    /// <summary>Reads sent to the base (including cluster fills and hydration).</summary>
    public long BaseReads { get; init; }
    public long BaseBytesRead { get; init; }

    public long WriteRequests { get; init; }
    public long BytesWritten { get; init; }

    /// <summary>Partial clusters completed from the base before being written.</summary>
    public long ClusterFills { get; init; }

    /// <summary>Times the data file and the journal were made durable (one per group of concurrent commits).</summary>
    public long Syncs { get; init; }

    public long ReadAheads { get; init; }

    /// <summary>Reads recognised as part of a sequential stream (a mirror, a large copy), which keep no local copy.</summary>
    public long StreamingReads { get; init; }

    /// <summary>Copies a read stored itself because the hydration writer was a whole queue behind.</summary>
    public long InlineHydrations { get; init; }

    /// <summary>Clusters a boot-profile prefetch decoded into the hydration file ahead of the guest.</summary>
    public long PrefetchedClusters { get; init; }

    /// <summary>Guest reads served (at least in part) from the hydration file by clusters a prefetch put there, once a read.</summary>
    public long PrefetchHits { get; init; }

    /// <summary>Reads that failed because the backup could not be read (a damaged or missing chunk).</summary>
    public long ReadErrors { get; init; }

    /// <summary>Why the first failed read failed: the disk offset and the chunk.</summary>
    public string? FirstReadError { get; init; }
}
