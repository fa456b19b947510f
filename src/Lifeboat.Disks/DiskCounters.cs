namespace Lifeboat.Disks;

/// <summary>Counters updated with Interlocked on the I/O paths; read into <see cref="PublishedDiskStats"/>.</summary>
internal sealed class DiskCounters
{
    public long ReadRequests;
    public long BytesRead;
    public long CacheHits;
    public long HydrationHits;
    public long BaseReads;
    public long BaseBytesRead;
    public long WriteRequests;
    public long BytesWritten;
    public long ClusterFills;
    public long Syncs;
    public long ReadAheads;
    public long StreamingReads;
    public long InlineHydrations;
    public long PrefetchedClusters;
    public long PrefetchHits;
    public long ReadErrors;
}
