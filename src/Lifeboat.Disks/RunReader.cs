using System.Runtime.CompilerServices;
using Lifeboat.Disks.BaseReads;
using Lifeboat.Disks.Caching;
using Lifeboat.Disks.Hydration;

namespace Lifeboat.Disks;

/// <summary>
/// The read path of a published disk: each run of clusters that share a source is read from its layer (the write
/// cache, the hydration file, the base, or zeros past what the base shows), so a large read costs a few large reads
/// whatever the cluster size.
/// </summary>
internal sealed class RunReader(WriteCache cache, Hydrator? hydrator, BaseReader baseReader, SequentialStreams? streams, DiskCounters counters)
    : IClusterSource
{
    /// <summary>
    /// Reads all of <paramref name="buffer"/> (the caller bounds it by the disk's end). A streaming reader's reads
    /// keep no copies. A base that fails surfaces as an <see cref="IOException"/> naming the disk offset.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct)
    {
        bool streaming = streams?.IsStreaming(offset, buffer.Length) == true;
        if (streaming)
            Interlocked.Increment(ref counters.StreamingReads);
        try
        {
            await ReadRunsAsync(offset, buffer, keepCopies: !streaming, ct);
        }
        catch (IOException ex)
        {
            counters.NoteReadError(ex.Message);
            throw;
        }

        Interlocked.Increment(ref counters.ReadRequests);
        Interlocked.Add(ref counters.BytesRead, buffer.Length);
        return buffer.Length;
    }

    public ValueTask ReadUnwrittenAsync(long offset, Memory<byte> destination, CancellationToken ct) =>
        ReadRunsAsync(offset, destination, keepCopies: false, ct);

    /// <summary>
    /// Copies into the hydration file the clusters of [<paramref name="firstCluster"/>, <paramref name="endCluster"/>)
    /// that only the base holds (not written, not hydrated, not past the base's end), one run at a time.
    /// </summary>
    public async ValueTask HydrateMissingAsync(long firstCluster, long endCluster, Action<long, long>? onHydrated, CancellationToken ct)
    {
        long baseVisible = cache.BaseVisible;
        long hidden = cache.ClusterCount(baseVisible);
        for (long c = firstCluster; c < endCluster;)
        {
            var source = Classify(c, endCluster, hidden, out long runEnd);
            if (source == RunSource.Base && runEnd << cache.ClusterShift <= baseVisible)
            {
                await baseReader.HydrateAsync(c, runEnd, ct);
                onHydrated?.Invoke(c, runEnd);
            }

            c = runEnd;
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with the disk's content at <paramref name="offset"/>, one read per run.
    /// Unless <paramref name="keepCopies"/>, nothing fetched from the base is kept (hydrated or cached) for later reads.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReadRunsAsync(long offset, Memory<byte> destination, bool keepCopies, CancellationToken ct)
    {
        long baseVisible = cache.BaseVisible;
        long firstHiddenCluster = cache.ClusterCount(baseVisible);
        long end = offset + destination.Length;
        long clusterLimit = ((end - 1) >> cache.ClusterShift) + 1;
        int done = 0;
        FetchStep? waitedFor = null;
        while (done < destination.Length)
        {
            long position = offset + done;
            long cluster = position >> cache.ClusterShift;
            long hydrationEpoch = hydrator?.Epoch ?? 0;
            var source = Classify(cluster, clusterLimit, firstHiddenCluster, out long runEndCluster);
            long runEnd = Math.Min(runEndCluster << cache.ClusterShift, end);
            var run = destination.Slice(done, (int)(runEnd - position));
            switch (source)
            {
                case RunSource.WriteCache:
                    cache.Read(run.Span, position);
                    Interlocked.Increment(ref counters.CacheHits);
                    DiskMetrics.WriteCacheReads.Add(1);
                    break;
                case RunSource.Hydrated:
                    hydrator!.Read(run.Span, position);
                    if (hydrator.Epoch != hydrationEpoch)
                    {
                        DiskMetrics.Hydration.Miss();
                        await baseReader.ReadRunAsync(position, run, baseVisible, keepCopies, ct); // the copy was dropped while we read it
                    }
                    else
                    {
                        Interlocked.Increment(ref counters.HydrationHits);
                        DiskMetrics.Hydration.Hit();
                    }
                    break;
                case RunSource.Zeros:
                    run.Span.Clear();
                    break;
                default:
                    if (hydrator?.Fetching is { } step && step != waitedFor && step.Overlaps(cluster, runEndCluster))
                    {
                        // Read-ahead is fetching these clusters right now: wait for it rather than fetch them twice.
                        waitedFor = step;
                        await step.Done.WaitAsync(ct);
                        continue;
                    }

                    DiskMetrics.Hydration.Miss();
                    await baseReader.ReadRunAsync(position, run, baseVisible, keepCopies, ct);
                    break;
            }

            done += run.Length;
        }
    }

    private RunSource Classify(long cluster, long clusterLimit, long firstHiddenCluster, out long runEnd)
    {
        var written = cache.Written;
        if (written.IsSet(cluster))
        {
            runEnd = written.FindFirst(cluster + 1, clusterLimit, false);
            return RunSource.WriteCache;
        }

        long writtenAt = written.FindFirst(cluster + 1, clusterLimit, true);
        if (cluster >= firstHiddenCluster)
        {
            runEnd = writtenAt;
            return RunSource.Zeros;
        }

        long limit = Math.Min(writtenAt, firstHiddenCluster);
        if (hydrator is null)
        {
            runEnd = limit;
            return RunSource.Base;
        }

        if (hydrator.IsHydrated(cluster))
        {
            runEnd = hydrator.FindFirst(cluster + 1, limit, false);
            return RunSource.Hydrated;
        }

        runEnd = hydrator.FindFirst(cluster + 1, limit, true);
        return RunSource.Base;
    }
}
