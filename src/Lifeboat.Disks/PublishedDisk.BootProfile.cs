namespace Lifeboat.Disks;

public sealed partial class PublishedDisk
{
    private BootRecorder? _recorder;
    private ClusterBitmap? _prefetched;
    private Task? _prefetch;
    private PrefetchPacer? _pacer;

    /// <summary>Starts noting the clusters reads touch, in first-touch order, until <see cref="EndBootRecording"/>.</summary>
    public void BeginBootRecording(int maxClusters = BootProfile.MaxClusters)
    {
        ThrowIfDisposed();
        Volatile.Write(ref _recorder, new BootRecorder(MaxLength >> _shift, maxClusters));
    }

    /// <summary>Stops recording and returns what the reads touched (empty when nothing was recording).</summary>
    public BootProfile EndBootRecording()
    {
        // The boot is over: what the prefetch has left to decode no longer competes with it.
        Interlocked.Exchange(ref _pacer, null)?.Release();
        var recorder = Interlocked.Exchange(ref _recorder, null);
        return recorder is null ? BootProfile.Empty(_clusterSize) : new BootProfile(_clusterSize, recorder.Clusters());
    }

    /// <summary>
    /// Decodes the clusters of <paramref name="profile"/> into the hydration file in the background, in the profile's
    /// order, skipping what is written or hydrated already. Guest reads never wait for it: a read that comes first
    /// fetches its clusters itself. It keeps at most <see cref="PublishedDiskOptions.PrefetchWindowBytes"/> ahead of
    /// the guest's reads in the profile's order until <see cref="EndBootRecording"/> says the boot is over. Does
    /// nothing without hydration. Returns the number of clusters it will consider.
    /// </summary>
    public int StartPrefetch(BootProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ThrowIfDisposed();
        if (_hydration is null || profile.Clusters.Count == 0)
            return 0;
        var clusters = profile.ClustersOf(_clusterSize);
        Interlocked.CompareExchange(ref _prefetched, new ClusterBitmap(MaxLength >> _shift), null);
        var pacer = new PrefetchPacer(clusters, _prefetchWindowClusters);
        Interlocked.Exchange(ref _pacer, pacer)?.Release();
        var previous = Volatile.Read(ref _prefetch) ?? Task.CompletedTask;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A thread of its own at a lower CPU priority, not the thread pool: every base read completes synchronously
        // (decoding is CPU work), so the whole prefetch runs on this thread, and the cores stay with the booting guest
        // and the reads it waits on whenever they want them (bench/recovery: with two disks prefetched on two pool
        // threads, the guest that reads 384 MiB at boot loaded its kernel 0.4 s later with its profile than without).
        var thread = new Thread(() =>
        {
            try
            {
                BackgroundThreadPriority.TryLowerCurrentThread();
                previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing).GetAwaiter().GetResult();
                Prefetch(clusters, pacer);
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        })
        { IsBackground = true, Name = $"prefetch {_name}" };
        Volatile.Write(ref _prefetch, done.Task);
        thread.Start();
        return clusters.Count;
    }

    /// <summary>Completes when the prefetch started last has finished (tests and the session log wait for it).</summary>
    public Task PrefetchIdle => Volatile.Read(ref _prefetch) ?? Task.CompletedTask;

    private void Prefetch(IReadOnlyList<long> clusters, PrefetchPacer pacer)
    {
        var ct = _shutdown.Token;
        try
        {
            // One cluster (with the default cluster size, one repository block) per base read, so the prefetch decodes
            // on its own thread only: runs of a few blocks were decoded on every core at once, taking the core the
            // booting guest's vCPU needs (bench/recovery: the guest reading 384 MiB at boot started later with its
            // profile than without one).
            for (int i = 0; i < clusters.Count && !ct.IsCancellationRequested && _hydration!.HasRoom; i++)
            {
                pacer.WaitForTurn(i, ct);
                WaitFor(PrefetchRunAsync(clusters[i], clusters[i] + 1, ct));
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // A prefetch is a guess: a damaged block is reported by the guest read that really needs it.
        }
    }

    /// <summary>The base reads complete synchronously; should one not, the prefetch's own thread waits for it.</summary>
    private static void WaitFor(ValueTask pending)
    {
        if (pending.IsCompletedSuccessfully)
            return;
        pending.AsTask().GetAwaiter().GetResult();
    }

    private ValueTask PrefetchRunAsync(long firstCluster, long endCluster, CancellationToken ct) =>
        HydrateMissingAsync(firstCluster, endCluster, NotePrefetched, ct);

    private void NotePrefetched(long firstCluster, long endCluster) =>
        Interlocked.Add(ref _counters.PrefetchedClusters, _prefetched!.SetRange(firstCluster, endCluster - firstCluster));

    /// <summary>Counts the guest reads a prefetch served: a hydrated run that holds a prefetched cluster.</summary>
    private void NotePrefetchHit(long firstCluster, long endCluster)
    {
        var prefetched = Volatile.Read(ref _prefetched);
        if (prefetched is not null && prefetched.FindFirst(firstCluster, endCluster, true) < endCluster)
        {
            Interlocked.Increment(ref _counters.PrefetchHits);
            DiskMetrics.PrefetchHits.Add(1);
        }
    }
}
