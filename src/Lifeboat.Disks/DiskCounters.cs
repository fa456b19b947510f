namespace Lifeboat.Disks;

/// <summary>Counters updated with Interlocked on the I/O paths of every layer; read into <see cref="PublishedDiskStats"/>.</summary>
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
    private string? _firstReadError;

    /// <summary>Kept for whoever judges the disk (a verification): the client only sees an I/O error for the read.</summary>
    public void NoteReadError(string message)
    {
        Interlocked.Increment(ref ReadErrors);
        Interlocked.CompareExchange(ref _firstReadError, message, null);
    }

    public PublishedDiskStats Snapshot(long length, int clusterSize, long writtenClusters, long hydratedClusters) => new()
    {
        Length = length,
        ClusterSize = clusterSize,
        WrittenClusters = writtenClusters,
        CacheBytes = writtenClusters * clusterSize,
        HydratedClusters = hydratedClusters,
        HydratedBytes = hydratedClusters * clusterSize,
        ReadRequests = Interlocked.Read(ref ReadRequests),
        BytesRead = Interlocked.Read(ref BytesRead),
        CacheHits = Interlocked.Read(ref CacheHits),
        HydrationHits = Interlocked.Read(ref HydrationHits),
        BaseReads = Interlocked.Read(ref BaseReads),
        BaseBytesRead = Interlocked.Read(ref BaseBytesRead),
        WriteRequests = Interlocked.Read(ref WriteRequests),
        BytesWritten = Interlocked.Read(ref BytesWritten),
        ClusterFills = Interlocked.Read(ref ClusterFills),
        Syncs = Interlocked.Read(ref Syncs),
        ReadAheads = Interlocked.Read(ref ReadAheads),
        StreamingReads = Interlocked.Read(ref StreamingReads),
        InlineHydrations = Interlocked.Read(ref InlineHydrations),
        PrefetchedClusters = Interlocked.Read(ref PrefetchedClusters),
        PrefetchHits = Interlocked.Read(ref PrefetchHits),
        ReadErrors = Interlocked.Read(ref ReadErrors),
        FirstReadError = Volatile.Read(ref _firstReadError),
    };
}
