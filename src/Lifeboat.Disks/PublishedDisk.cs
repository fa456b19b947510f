using System.Security.Cryptography;
using Lifeboat.Disks.BaseReads;
using Lifeboat.Disks.Caching;
using Lifeboat.Disks.Hydration;
using Lifeboat.Disks.Prefetch;

namespace Lifeboat.Disks;

/// <summary>
/// A disk as a hypervisor sees it during an instant recovery: the read-only base (a restore point) seen through a
/// write cache. Writes land in the cache (<see cref="WriteCache"/>); reads are served run by run
/// (<see cref="RunReader"/>) from the cache, from local copies of base clusters (<see cref="Hydrator"/>) or from the
/// base (<see cref="BaseReader"/>); a <see cref="Prefetcher"/> observes them to record a boot, pace a boot
/// profile's prefetch and read ahead. The base is never modified. Safe for many concurrent readers and writers.
/// </summary>
public sealed class PublishedDisk : IAsyncDisposable, IDisposable
{
    /// <summary>Largest disk served (64 TiB): bounds the cluster maps, and every length read from a journal.</summary>
    public const long MaxLength = 1L << 46;

    private readonly CacheFolder _folder;
    private readonly DiskCounters _counters;
    private readonly Hydrator? _hydrator;
    private readonly BaseReader _base;
    private readonly WriteCache _cache;
    private readonly RunReader _reader;
    private readonly Prefetcher _prefetcher;
    private readonly IReadObserver _observer;
    private int _disposed;

    private PublishedDisk(IBaseDisk baseDisk, PublishedDiskOptions options, CacheFolder folder, WriteCacheFiles files, DiskCounters counters, Hydrator? hydrator)
    {
        _folder = folder;
        _counters = counters;
        _hydrator = hydrator;
        _cache = new WriteCache(files, folder, hydrator, counters, options);
        _base = new BaseReader(baseDisk, options.LeaveBaseOpen, hydrator, counters, _cache.ClusterShift, options.DiskName);
        var streams = options.StreamingReadBytes > 0 ? new SequentialStreams(options.StreamingReadBytes) : null;
        _reader = new RunReader(_cache, hydrator, _base, streams, counters);
        _prefetcher = new Prefetcher(_reader, hydrator, _cache, counters, options);
        _observer = _prefetcher;
        WriteVerifier = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(sizeof(ulong)));
    }

    public long Length => _cache.Length;

    public int ClusterSize => _cache.ClusterSize;

    public string CacheDirectory => _folder.Path;

    /// <summary>
    /// Different at every open: NFS returns it in WRITE and COMMIT replies, so that a client notices a restart and
    /// sends again whatever it had not seen committed.
    /// </summary>
    public ulong WriteVerifier { get; }

    public PublishedDiskStats Stats => _counters.Snapshot(Length, ClusterSize, _cache.Written.Count, _hydrator?.Clusters ?? 0);

    /// <summary>The newest read of the backup that failed on a damaged or missing chunk, with a running count; null when none has.</summary>
    public DamagedChunkRead? LastDamagedChunk => _base.LastDamagedChunk;

    /// <summary>Completes when the prefetch started last has finished (tests and the session log wait for it).</summary>
    public Task PrefetchIdle => _prefetcher.PrefetchIdle;

    /// <summary>Completes when the copies queued for hydration so far are stored (tests use it to look at a settled disk).</summary>
    internal Task HydrationIdle => _hydrator?.Idle ?? Task.CompletedTask;

    /// <summary>Completes when no read-ahead is running (tests use it to look at a settled disk).</summary>
    internal Task ReadAheadIdle => _prefetcher.ReadAheadIdle;

    /// <summary>The boot profile's index the prefetch waits at for the guest to come nearer; -1 when it is not waiting.</summary>
    internal int PrefetchWaitingAt => _prefetcher.PrefetchWaitingAt;

    /// <summary>
    /// Publishes <paramref name="baseDisk"/> with its write cache in <paramref name="cacheDirectory"/>: creates the
    /// cache, or reopens it and serves every write that was committed before a stop or a crash. The disk owns the
    /// base from here on (see <see cref="PublishedDiskOptions.LeaveBaseOpen"/>).
    /// </summary>
    public static PublishedDisk Open(IBaseDisk baseDisk, string cacheDirectory, PublishedDiskOptions options)
    {
        ArgumentNullException.ThrowIfNull(baseDisk);
        ArgumentException.ThrowIfNullOrEmpty(cacheDirectory);
        ArgumentNullException.ThrowIfNull(options);
        if (!PublishedDiskOptions.IsValidClusterSize(options.ClusterSize))
            throw new ArgumentOutOfRangeException(nameof(options), $"Cluster size {options.ClusterSize} is not a power of two from {PublishedDiskOptions.MinClusterSize} to {PublishedDiskOptions.MaxClusterSize} bytes.");
        long baseLength = baseDisk.Length;
        if (baseLength is < 0 or > MaxLength)
            throw new ArgumentOutOfRangeException(nameof(baseDisk), $"{options.DiskName} is {baseLength} bytes long; published disks are limited to {MaxLength} bytes.");

        var folder = CacheFolder.Open(cacheDirectory, options.DiskName);
        WriteCacheFiles? files = null;
        Hydrator? hydrator = null;
        try
        {
            files = WriteCacheFiles.Open(folder, baseLength, options);
            var counters = new DiskCounters();
            hydrator = options.Hydration ? new Hydrator(folder.HydrationPath, files.ClusterSize, options, counters) : null;
            return new PublishedDisk(baseDisk, options, folder, files, counters, hydrator);
        }
        catch
        {
            hydrator?.Dispose();
            files?.Dispose();
            folder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads up to buffer.Length bytes at <paramref name="offset"/>; returns fewer only at the end of the disk.
    /// A base that fails surfaces as an <see cref="IOException"/> naming the disk offset.
    /// </summary>
    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct = default)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        long length = _cache.Length;
        if (offset >= length || buffer.IsEmpty)
            return ValueTask.FromResult(0);
        int count = (int)Math.Min(buffer.Length, length - offset);
        _observer.OnRead(offset, count);
        return _reader.ReadAsync(offset, buffer[..count], ct);
    }

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="offset"/> into the write cache. A write past the end grows
    /// the disk. With <see cref="WriteStability.DataSync"/> or <see cref="WriteStability.FileSync"/> the write is
    /// durable when this returns; an <see cref="WriteStability.Unstable"/> one at the next <see cref="CommitAsync"/>,
    /// and against a crash of this process (not of the machine) as soon as it returns.
    /// </summary>
    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, WriteStability stability, CancellationToken ct = default)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset > MaxLength - data.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"A write of {data.Length} bytes at offset {offset} goes past the largest disk size of {MaxLength} bytes.");
        if (data.IsEmpty)
            return stability == WriteStability.Unstable ? ValueTask.CompletedTask : CommitAsync(ct);
        return _cache.WriteAsync(offset, data, stability, _reader, ct);
    }

    /// <summary>Makes every write that returned before this call durable (data first, then the cluster map).</summary>
    public ValueTask CommitAsync(CancellationToken ct = default)
    {
        ThrowIfDisposed();
        return _cache.CommitAsync(ct);
    }

    /// <summary>
    /// Grows the disk (the new part reads as zeros) or shrinks it (what lay past the new end is gone, also when it
    /// grows again). Durable when this returns.
    /// </summary>
    public ValueTask SetLengthAsync(long length, CancellationToken ct = default)
    {
        ThrowIfDisposed();
        if (length is < 0 or > MaxLength)
            throw new ArgumentOutOfRangeException(nameof(length), $"A disk length of {length} bytes is outside 0 to {MaxLength}.");
        return _cache.SetLengthAsync(length, growOnly: false, ct);
    }

    /// <summary>
    /// Appends the runs that describe [offset, offset + length) in order, merged where they agree, at most
    /// <paramref name="maxRuns"/> (the last may then end early). From the maps in memory: no I/O.
    /// </summary>
    public void DescribeAllocation(long offset, long length, int maxRuns, IList<DiskAllocationRun> runs)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRuns);
        ArgumentNullException.ThrowIfNull(runs);
        DiskAllocation.Describe(_cache, _base, offset, length, maxRuns, runs);
    }

    /// <summary>Starts noting the clusters reads touch, in first-touch order, until <see cref="EndBootRecording"/>.</summary>
    public void BeginBootRecording(int maxClusters = BootProfile.MaxClusters)
    {
        ThrowIfDisposed();
        _prefetcher.BeginBootRecording(maxClusters);
    }

    /// <summary>Stops recording and returns what the reads touched (empty when nothing was recording).</summary>
    public BootProfile EndBootRecording() => _prefetcher.EndBootRecording();

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
        return _prefetcher.StartPrefetch(profile);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _prefetcher.DisposeAsync();
        try
        {
            await _cache.CloseAsync();
        }
        finally
        {
            _hydrator?.Dispose();
            _folder.Dispose();
            _base.Dispose();
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
