using System.Numerics;
using System.Security.Cryptography;
using Lifeboat.Disks.Journal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Disks;

/// <summary>
/// A disk as a hypervisor sees it during an instant recovery: the read-only base (a restore point) seen through a
/// write cache. Writes land in the cache (a sparse data file at the disk's offsets plus a journal of the clusters it
/// holds); the base is never modified. Safe for many concurrent readers and writers.
/// </summary>
public sealed partial class PublishedDisk : IAsyncDisposable, IDisposable
{
    /// <summary>Largest disk served (64 TiB): bounds the cluster maps, and every length read from a journal.</summary>
    public const long MaxLength = 1L << 46;

    private readonly IBaseDisk _base;
    private readonly bool _leaveBaseOpen;
    private readonly CacheFolder _folder;
    private readonly SafeFileHandle _data;
    private readonly ClusterBitmap _written;
    private readonly HydrationStore? _hydration;
    private readonly HydrationWriter? _hydrationWriter;
    private readonly SequentialStreams? _streams;
    private readonly int _clusterSize;
    private readonly int _shift;
    private readonly int _readAheadBytes;
    private readonly int _prefetchWindowClusters;
    private readonly long _maxHydrationBytes;
    private readonly string _name;
    private readonly ILogger _logger;
    private readonly RegionLocks _locks = new();
    private readonly SemaphoreSlim _syncLock = new(1, 1);
    private readonly DiskCounters _counters = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly WriteCacheJournal _journal;
    private long _length;
    private long _baseVisible;
    private Exception? _fault;
    private int _disposed;

    private PublishedDisk(IBaseDisk baseDisk, PublishedDiskOptions options, CacheFolder folder, SafeFileHandle data,
        WriteCacheJournal journal, ClusterBitmap written, long length, long baseVisible)
    {
        _base = baseDisk;
        _leaveBaseOpen = options.LeaveBaseOpen;
        _folder = folder;
        _data = data;
        _journal = journal;
        _written = written;
        _clusterSize = journal.Header.ClusterSize;
        _shift = BitOperations.Log2((uint)_clusterSize);
        _length = length;
        _baseVisible = baseVisible;
        _name = options.DiskName;
        _logger = options.Logger ?? NullLogger.Instance;
        _readAheadBytes = Math.Max(0, options.ReadAheadBytes);
        _prefetchWindowClusters = (int)Math.Clamp(options.PrefetchWindowBytes >> _shift, 1, int.MaxValue / 2);
        _maxHydrationBytes = options.MaxHydrationBytes;
        WriteVerifier = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(sizeof(ulong)));
        if (options.Hydration)
        {
            _hydration = new HydrationStore(folder.HydrationPath, _shift, MaxLength >> _shift, options.MaxHydrationBytes, options.HydrationFreeSpaceReserve);
            _hydrationWriter = new HydrationWriter(_hydration, options.HydrationQueueBytes, NoteHydrationFull, _name);
        }

        if (options.StreamingReadBytes > 0)
            _streams = new SequentialStreams(options.StreamingReadBytes);
    }

    public long Length => Volatile.Read(ref _length);

    public int ClusterSize => _clusterSize;

    public string CacheDirectory => _folder.Path;

    /// <summary>
    /// Different at every open: NFS returns it in WRITE and COMMIT replies, so that a client notices a restart and
    /// sends again whatever it had not seen committed.
    /// </summary>
    public ulong WriteVerifier { get; }

    public PublishedDiskStats Stats => new()
    {
        Length = Length,
        ClusterSize = _clusterSize,
        WrittenClusters = _written.Count,
        CacheBytes = _written.Count * _clusterSize,
        HydratedClusters = _hydration?.Clusters ?? 0,
        HydratedBytes = (_hydration?.Clusters ?? 0) * _clusterSize,
        ReadRequests = Interlocked.Read(ref _counters.ReadRequests),
        BytesRead = Interlocked.Read(ref _counters.BytesRead),
        CacheHits = Interlocked.Read(ref _counters.CacheHits),
        HydrationHits = Interlocked.Read(ref _counters.HydrationHits),
        BaseReads = Interlocked.Read(ref _counters.BaseReads),
        BaseBytesRead = Interlocked.Read(ref _counters.BaseBytesRead),
        WriteRequests = Interlocked.Read(ref _counters.WriteRequests),
        BytesWritten = Interlocked.Read(ref _counters.BytesWritten),
        ClusterFills = Interlocked.Read(ref _counters.ClusterFills),
        Syncs = Interlocked.Read(ref _counters.Syncs),
        ReadAheads = Interlocked.Read(ref _counters.ReadAheads),
        StreamingReads = Interlocked.Read(ref _counters.StreamingReads),
        InlineHydrations = Interlocked.Read(ref _counters.InlineHydrations),
        PrefetchedClusters = Interlocked.Read(ref _counters.PrefetchedClusters),
        PrefetchHits = Interlocked.Read(ref _counters.PrefetchHits),
        ReadErrors = Interlocked.Read(ref _counters.ReadErrors),
        FirstReadError = Volatile.Read(ref _firstReadError),
    };

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
        try
        {
            return File.Exists(folder.JournalPath)
                ? Reopen(baseDisk, options, folder)
                : Create(baseDisk, options, folder);
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    private static PublishedDisk Create(IBaseDisk baseDisk, PublishedDiskOptions options, CacheFolder folder)
    {
        long length = baseDisk.Length;
        SafeFileHandle? data = null;
        try
        {
            data = OwnerOnly.OpenHandle(folder.DataPath, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
            RandomAccess.SetLength(data, length);
            RandomAccess.FlushToDisk(data);
            var header = new JournalHeader(options.ClusterSize, length, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Guid.NewGuid());
            var journal = WriteCacheJournal.Create(folder.JournalPath, header, [JournalRecord.Boot(MachineBoot.Current)]);
            var written = new ClusterBitmap(MaxLength >> BitOperations.Log2((uint)options.ClusterSize));
            var disk = new PublishedDisk(baseDisk, options, folder, data, journal, written, length, length);
            PublishedDiskLog.CacheCreated(disk._logger, disk._name, folder.Path, length, options.ClusterSize);
            return disk;
        }
        catch (IOException ex) when (CacheFolder.IsDiskFull(ex))
        {
            data?.Dispose();
            throw CacheFolder.FullError(folder.Path, options.DiskName, ex);
        }
        catch
        {
            data?.Dispose();
            throw;
        }
    }

    private static PublishedDisk Reopen(IBaseDisk baseDisk, PublishedDiskOptions options, CacheFolder folder)
    {
        if (!File.Exists(folder.DataPath))
            throw new InvalidDataException($"The write cache of {options.DiskName} in '{folder.Path}' is damaged: its data file is missing; unpublish the disk and publish it again to start over from the backup.");

        var boot = MachineBoot.Current;
        var state = new CacheState(boot);
        WriteCacheJournal journal;
        try
        {
            journal = WriteCacheJournal.Open(folder.JournalPath, state.Begin, state.Apply, out var replay);
            state.Replay = replay;
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{ex.Message.TrimEnd('.')}; unpublish {options.DiskName} and publish it again to start over from the backup.", ex);
        }

        SafeFileHandle? data = null;
        try
        {
            if (state.BaseLength != baseDisk.Length)
                throw new InvalidDataException($"The write cache in '{folder.Path}' was made for a disk of {state.BaseLength} bytes, but {options.DiskName} has {baseDisk.Length}: it belongs to another restore point; use another cache folder.");

            data = File.OpenHandle(folder.DataPath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            if (RandomAccess.GetLength(data) != state.Length)
            {
                // A crash between a SetLength record and the data file's resize: finish the resize now.
                RandomAccess.SetLength(data, state.Length);
                RandomAccess.FlushToDisk(data);
            }

            // The clusters a crashed process wrote and acknowledged without a commit are mapped by records trusted in this
            // boot only, and their data may still be only in the page cache: durable first, then the journal is
            // rewritten with durable records and a boot record of its own for this process's writes.
            RandomAccess.FlushToDisk(data);
            var snapshot = state.Snapshot().Append(JournalRecord.Boot(boot)).ToList();
            journal.Dispose();
            journal = WriteCacheJournal.Create(folder.JournalPath, journal.Header, snapshot);

            var disk = new PublishedDisk(baseDisk, options, folder, data, journal, state.Written!, state.Length, state.BaseVisible);
            if (state.Replay.IgnoredTailBytes > 0)
                PublishedDiskLog.TornTailIgnored(disk._logger, disk._name, state.Replay.IgnoredTailBytes);
            if (journal.RecordCount != state.Replay.Records)
                PublishedDiskLog.JournalCompacted(disk._logger, disk._name, state.Replay.Records, journal.RecordCount);
            if (state.WrittenRecordsIgnored > 0)
                PublishedDiskLog.UncommittedWritesDropped(disk._logger, disk._name, state.WrittenRecordsIgnored);
            PublishedDiskLog.CacheReopened(disk._logger, disk._name, folder.Path, state.Written!.Count, state.Replay.Records);
            return disk;
        }
        catch (IOException ex) when (CacheFolder.IsDiskFull(ex))
        {
            data?.Dispose();
            journal.Dispose();
            throw CacheFolder.FullError(folder.Path, options.DiskName, ex);
        }
        catch
        {
            data?.Dispose();
            journal.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _shutdown.CancelAsync();
        Interlocked.Exchange(ref _pacer, null)?.Release();
        if (_readAhead is { } readAhead)
            await readAhead.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (Volatile.Read(ref _prefetch) is { } prefetch)
            await prefetch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _hydrationWriter?.Dispose();
        try
        {
            if (_fault is null)
            {
                await _syncLock.WaitAsync();
                try
                {
                    CommitLocked();
                }
                finally
                {
                    _syncLock.Release();
                }
            }
        }
        finally
        {
            _journal.Dispose();
            _data.Dispose();
            _hydration?.Dispose();
            _folder.Dispose();
            if (!_leaveBaseOpen)
                _base.Dispose();
            _shutdown.Dispose();
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Completes when the copies queued for hydration so far are stored (tests use it to look at a settled disk).</summary>
    internal Task HydrationIdle => _hydrationWriter?.DrainAsync() ?? Task.CompletedTask;

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private void ThrowIfFaulted()
    {
        if (Volatile.Read(ref _fault) is { } fault)
            throw new IOException($"The write cache of {_name} in '{_folder.Path}' failed to make data durable ({fault.Message}) and refuses writes; stop the VM and publish the disk again.", fault);
    }

    private void Fault(Exception ex)
    {
        if (Interlocked.CompareExchange(ref _fault, ex, null) is null)
            PublishedDiskLog.CacheFaulted(_logger, _name, ex);
    }

    private long ClusterCount(long length) => (length + _clusterSize - 1) >> _shift;
}
