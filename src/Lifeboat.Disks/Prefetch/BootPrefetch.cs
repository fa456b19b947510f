using Lifeboat.Disks.Caching;
using Lifeboat.Disks.Hydration;

namespace Lifeboat.Disks.Prefetch;

/// <summary>
/// Decodes a boot profile's clusters into the hydration file ahead of the guest, paced by its reads
/// (<see cref="PrefetchPacer"/>), and counts the guest reads it served.
/// </summary>
internal sealed class BootPrefetch(RunReader reader, Hydrator hydrator, WriteCache cache, DiskCounters counters, int windowClusters, string name, CancellationToken shutdown)
{
    private ClusterBitmap? _prefetched;
    private Task? _running;
    private PrefetchPacer? _pacer;

    /// <summary>Completes when the prefetch started last has finished.</summary>
    public Task Idle => Volatile.Read(ref _running) ?? Task.CompletedTask;

    /// <summary>The profile's index the prefetch waits to decode until the guest comes nearer; -1 when it is not waiting.</summary>
    public int WaitingAt => Volatile.Read(ref _pacer)?.WaitingAt ?? -1;

    /// <summary>Starts prefetching <paramref name="profile"/> after the prefetch started before it; returns the clusters it will consider.</summary>
    public int Start(BootProfile profile)
    {
        var clusters = profile.ClustersOf(cache.ClusterSize);
        Interlocked.CompareExchange(ref _prefetched, new ClusterBitmap(PublishedDisk.MaxLength >> cache.ClusterShift), null);
        var pacer = new PrefetchPacer(clusters, windowClusters);
        Interlocked.Exchange(ref _pacer, pacer)?.Release();
        var previous = Volatile.Read(ref _running) ?? Task.CompletedTask;
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
        { IsBackground = true, Name = $"prefetch {name}" };
        Volatile.Write(ref _running, done.Task);
        thread.Start();
        return clusters.Count;
    }

    /// <summary>The boot is over (or the disk goes away): what the prefetch has left to decode no longer waits for the guest.</summary>
    public void EndOfBoot() => Interlocked.Exchange(ref _pacer, null)?.Release();

    /// <summary>Lets the prefetch come nearer, and counts a guest read that a prefetched cluster serves from the hydration file.</summary>
    public void OnRead(long firstCluster, long endCluster)
    {
        Volatile.Read(ref _pacer)?.NoteRead(firstCluster, endCluster);
        var prefetched = Volatile.Read(ref _prefetched);
        if (prefetched is null)
            return;
        for (long c = prefetched.FindFirst(firstCluster, endCluster, true); c < endCluster; c = prefetched.FindFirst(c + 1, endCluster, true))
        {
            if (hydrator.IsHydrated(c) && !cache.Written.IsSet(c))
            {
                Interlocked.Increment(ref counters.PrefetchHits);
                DiskMetrics.PrefetchHits.Add(1);
                return;
            }
        }
    }

    private void Prefetch(IReadOnlyList<long> clusters, PrefetchPacer pacer)
    {
        try
        {
            // One cluster (with the default cluster size, one repository block) per base read, so the prefetch decodes
            // on its own thread only: runs of a few blocks were decoded on every core at once, taking the core the
            // booting guest's vCPU needs (bench/recovery: the guest reading 384 MiB at boot started later with its
            // profile than without one).
            for (int i = 0; i < clusters.Count && !shutdown.IsCancellationRequested && hydrator.HasRoom; i++)
            {
                pacer.WaitForTurn(i, shutdown);
                WaitFor(reader.HydrateMissingAsync(clusters[i], clusters[i] + 1, NotePrefetched, shutdown));
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

    private void NotePrefetched(long firstCluster, long endCluster) =>
        Interlocked.Add(ref counters.PrefetchedClusters, _prefetched!.SetRange(firstCluster, endCluster - firstCluster));
}
