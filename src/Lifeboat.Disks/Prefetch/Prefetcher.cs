using Lifeboat.Disks.Caching;
using Lifeboat.Disks.Hydration;

namespace Lifeboat.Disks.Prefetch;

/// <summary>
/// What a published disk fetches before the guest asks, and what it learns from the guest's reads: the boot
/// recording, the boot profile's prefetch and the read-ahead, all observing reads through <see cref="OnRead"/>.
/// Without hydration only the recording runs: there is nowhere to keep what a prefetch would fetch.
/// </summary>
internal sealed class Prefetcher : IReadObserver, IAsyncDisposable
{
    private readonly CancellationTokenSource _shutdown = new();
    private readonly WriteCache _cache;
    private readonly BootPrefetch? _bootPrefetch;
    private readonly ReadAhead? _readAhead;
    private BootRecorder? _recorder;

    public Prefetcher(RunReader reader, Hydrator? hydrator, WriteCache cache, DiskCounters counters, PublishedDiskOptions options)
    {
        _cache = cache;
        if (hydrator is null)
            return;
        int windowClusters = (int)Math.Clamp(options.PrefetchWindowBytes >> cache.ClusterShift, 1, int.MaxValue / 2);
        _bootPrefetch = new BootPrefetch(reader, hydrator, cache, counters, windowClusters, options.DiskName, _shutdown.Token);
        if (options.ReadAheadBytes > 0)
            _readAhead = new ReadAhead(reader, hydrator, cache, counters, options.ReadAheadBytes, _shutdown.Token);
    }

    /// <summary>Completes when the prefetch started last has finished.</summary>
    public Task PrefetchIdle => _bootPrefetch?.Idle ?? Task.CompletedTask;

    /// <summary>Completes when no read-ahead is running.</summary>
    public Task ReadAheadIdle => _readAhead?.Idle ?? Task.CompletedTask;

    /// <summary>The profile's index the prefetch waits at for the guest to come nearer; -1 when it is not waiting.</summary>
    public int PrefetchWaitingAt => _bootPrefetch?.WaitingAt ?? -1;

    public void OnRead(long offset, int count)
    {
        long firstCluster = offset >> _cache.ClusterShift;
        long endCluster = _cache.ClusterCount(offset + count);
        Volatile.Read(ref _recorder)?.Note(firstCluster, endCluster);
        _bootPrefetch?.OnRead(firstCluster, endCluster);
        _readAhead?.OnRead(offset, offset + count);
    }

    /// <summary>Starts noting the clusters reads touch, in first-touch order, until <see cref="EndBootRecording"/>.</summary>
    public void BeginBootRecording(int maxClusters) =>
        Volatile.Write(ref _recorder, new BootRecorder(PublishedDisk.MaxLength >> _cache.ClusterShift, maxClusters));

    /// <summary>Stops recording and returns what the reads touched (empty when nothing was recording).</summary>
    public BootProfile EndBootRecording()
    {
        // The boot is over: what the prefetch has left to decode no longer competes with it.
        _bootPrefetch?.EndOfBoot();
        var recorder = Interlocked.Exchange(ref _recorder, null);
        return recorder is null ? BootProfile.Empty(_cache.ClusterSize) : new BootProfile(_cache.ClusterSize, recorder.Clusters());
    }

    /// <summary>Prefetches <paramref name="profile"/> into the hydration file; returns the clusters it will consider (0 without hydration).</summary>
    public int StartPrefetch(BootProfile profile) =>
        _bootPrefetch is null || profile.Clusters.Count == 0 ? 0 : _bootPrefetch.Start(profile);

    /// <summary>Stops fetching and waits for what is running to notice.</summary>
    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync();
        _bootPrefetch?.EndOfBoot();
        await ReadAheadIdle.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await PrefetchIdle.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _shutdown.Dispose();
    }
}
