using System.Buffers;
using System.Numerics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Disks.Hydration;

/// <summary>
/// The hydration layer of a published disk: local copies of base clusters (<see cref="HydrationStore"/>), written
/// behind the reads that decoded them (<see cref="HydrationWriter"/>), and the decisions of which reads keep one and
/// when the copies give their space back.
/// </summary>
internal sealed class Hydrator : IDisposable
{
    // The longest run a read keeps a copy of: the copy is one pooled buffer.
    private const int MaxRun = 8 * 1024 * 1024;

    private readonly HydrationStore _store;
    private readonly HydrationWriter _writer;
    private readonly DiskCounters _counters;
    private readonly int _shift;
    private readonly long _maxBytes;
    private readonly string _name;
    private readonly ILogger _logger;
    private FetchStep? _fetching;
    private int _fullLogged;

    public Hydrator(string path, int clusterSize, PublishedDiskOptions options, DiskCounters counters)
    {
        _shift = BitOperations.Log2((uint)clusterSize);
        _counters = counters;
        _maxBytes = options.MaxHydrationBytes;
        _name = options.DiskName;
        _logger = options.Logger ?? NullLogger.Instance;
        _store = new HydrationStore(path, _shift, PublishedDisk.MaxLength >> _shift, options.MaxHydrationBytes, options.HydrationFreeSpaceReserve);
        _writer = new HydrationWriter(_store, options.HydrationQueueBytes, NoteFull, _name);
    }

    /// <summary>Changes whenever copies are dropped; a copy read or made across a change must not be used.</summary>
    public long Epoch => _store.Epoch;

    public bool HasRoom => _store.HasRoom;

    public long Clusters => _store.Clusters;

    /// <summary>The read-ahead step fetching clusters right now, if any: a read that needs them waits for it rather than fetch them twice.</summary>
    public FetchStep? Fetching
    {
        get => Volatile.Read(ref _fetching);
        set => Volatile.Write(ref _fetching, value);
    }

    /// <summary>Completes when the copies queued so far are stored.</summary>
    public Task Idle => _writer.DrainAsync();

    public bool IsHydrated(long cluster) => _store.IsHydrated(cluster);

    public long FindFirst(long from, long to, bool value) => _store.FindFirst(from, to, value);

    public void Read(Span<byte> destination, long offset) => _store.Read(destination, offset);

    /// <summary>
    /// Decides whether a read of the base at [<paramref name="offset"/>, + <paramref name="shown"/>) keeps a copy. Only
    /// whole clusters are kept, so the copy is the run widened to cluster bounds; the disk's last, partial cluster is
    /// never kept (it is read from the base each time), nor a run longer than one buffer. Follow a true with
    /// <see cref="Keep"/> or <see cref="Cancel"/>.
    /// </summary>
    public bool TryPlanCopy(long offset, int shown, long baseVisible, out HydrationCopy copy)
    {
        long start = offset >> _shift << _shift;
        long end = (offset + shown + (1L << _shift) - 1) >> _shift << _shift;
        int length = (int)Math.Min(end - start, MaxRun + 1L);
        if (!_store.HasRoom || end > baseVisible || length > MaxRun)
        {
            copy = default;
            return false;
        }

        long epoch = _store.Epoch;
        copy = new HydrationCopy(start, length, epoch, _writer.TryReserve(length));
        return true;
    }

    /// <summary>Gives back the room of a planned copy whose read failed.</summary>
    public void Cancel(in HydrationCopy copy)
    {
        if (copy.Queued)
            _writer.Cancel(copy.Length);
    }

    /// <summary>Keeps the copy read into <paramref name="buffer"/> (rented from <see cref="ArrayPool{T}.Shared"/>, owned here from now on).</summary>
    public void Keep(in HydrationCopy copy, byte[] buffer)
    {
        if (copy.Queued)
        {
            _writer.Queue(copy.Start >> _shift, buffer, copy.Length, copy.Epoch);
            return;
        }

        // The writer is behind by a whole queue: this read stores its copy itself rather than lose it.
        try
        {
            Interlocked.Increment(ref _counters.InlineHydrations);
            if (!_store.TryStore(copy.Start >> _shift, buffer.AsSpan(0, copy.Length), copy.Epoch) && !_store.HasRoom)
                NoteFull();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Stores whole clusters read while the epoch was <paramref name="epoch"/> (a prefetch or a read-ahead).</summary>
    public bool TryStore(long firstCluster, ReadOnlySpan<byte> clusters, long epoch) => _store.TryStore(firstCluster, clusters, epoch);

    /// <summary>Forgets copies from <paramref name="firstCluster"/> on, because the base past there is hidden now.</summary>
    public void ForgetFrom(long firstCluster) => _store.ForgetFrom(firstCluster);

    /// <summary>
    /// Hydrated copies are only an accelerator: when the cache's file system is full, their space goes to the VM's
    /// writes, and hydration stops. False when there was nothing to give back.
    /// </summary>
    public bool ReleaseForWrites()
    {
        if (_store.Clusters <= 0)
            return false;
        _store.Release();
        PublishedDiskLog.HydrationReleased(_logger, _name);
        return true;
    }

    public void Dispose()
    {
        _writer.Dispose();
        _store.Dispose();
    }

    private void NoteFull()
    {
        if (Volatile.Read(ref _fullLogged) == 0 && Interlocked.Exchange(ref _fullLogged, 1) == 0)
            PublishedDiskLog.HydrationLimitReached(_logger, _name, _maxBytes);
    }
}
