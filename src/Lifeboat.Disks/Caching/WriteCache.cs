using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using Lifeboat.Disks.Hydration;
using Lifeboat.Disks.Journal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Disks.Caching;

/// <summary>
/// The write cache of a published disk: a sparse data file at the disk's offsets, the map of the clusters it holds
/// (kept durable by <see cref="GroupCommit"/>), the disk's length, and how far the base still shows through. The
/// base is never modified. Safe for many concurrent readers and writers.
/// </summary>
internal sealed class WriteCache
{
    private readonly SafeFileHandle _data;
    private readonly ClusterBitmap _written;
    private readonly GroupCommit _commit;
    private readonly RegionLocks _locks = new();
    private readonly Hydrator? _hydrator;
    private readonly DiskCounters _counters;
    private readonly string _folderPath;
    private readonly string _name;
    private long _length;
    private long _baseVisible;

    public WriteCache(WriteCacheFiles files, CacheFolder folder, Hydrator? hydrator, DiskCounters counters, PublishedDiskOptions options)
    {
        _data = files.Data;
        _written = files.Written;
        _length = files.Length;
        _baseVisible = files.BaseVisible;
        ClusterSize = files.ClusterSize;
        ClusterShift = BitOperations.Log2((uint)ClusterSize);
        _commit = new GroupCommit(files.Journal, files.Data, folder.Path, options.DiskName, options.Logger ?? NullLogger.Instance, counters);
        _hydrator = hydrator;
        _counters = counters;
        _folderPath = folder.Path;
        _name = options.DiskName;
    }

    public int ClusterSize { get; }

    public int ClusterShift { get; }

    public long Length => Volatile.Read(ref _length);

    /// <summary>The base shows through up to here; a shrink hides the base past the new end for good.</summary>
    public long BaseVisible => Volatile.Read(ref _baseVisible);

    /// <summary>The clusters written since publication (including before a restart).</summary>
    public ClusterBitmap Written => _written;

    public long ClusterCount(long length) => (length + ClusterSize - 1) >> ClusterShift;

    /// <summary>Reads clusters the map holds from the data file.</summary>
    public void Read(Span<byte> destination, long offset)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int n = RandomAccess.Read(_data, destination[total..], offset + total);
            if (n == 0)
            {
                // Only a concurrent shrink makes the data file shorter than a mapped cluster: the bytes are gone.
                destination[total..].Clear();
                return;
            }

            total += n;
        }
    }

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="offset"/>, growing the disk when it goes past the end; a
    /// cluster written in part is completed from <paramref name="below"/> first. Durable on return unless
    /// <paramref name="stability"/> is <see cref="WriteStability.Unstable"/>.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, WriteStability stability, IClusterSource below, CancellationToken ct)
    {
        long end = offset + data.Length;
        ulong held;
        while (true)
        {
            if (end > Volatile.Read(ref _length))
                await SetLengthAsync(end, growOnly: true, ct);
            held = await _locks.AcquireAsync(offset, end - 1, ct);
            if (end <= _length)
                break;
            _locks.Release(held); // shrunk meanwhile
        }

        long sequence;
        try
        {
            _commit.ThrowIfFaulted();
            long length = _length;
            long first = offset >> ClusterShift;
            long last = (end - 1) >> ClusterShift;
            long directStart = offset;
            long directEnd = end;
            if (!_written.IsSet(first) && IsPartial(first, offset, end, length))
            {
                await FillClusterAsync(first, offset, data, length, below, ct);
                directStart = Math.Min(end, (first + 1) << ClusterShift);
            }

            if (last != first && !_written.IsSet(last) && IsPartial(last, offset, end, length))
            {
                await FillClusterAsync(last, offset, data, length, below, ct);
                directEnd = last << ClusterShift;
            }

            if (directEnd > directStart)
                WriteDataFile(data.Span[(int)(directStart - offset)..(int)(directEnd - offset)], directStart);
            MarkWritten(first, last + 1);
            sequence = _commit.CompleteWrite();
        }
        finally
        {
            _locks.Release(held);
        }

        Interlocked.Increment(ref _counters.WriteRequests);
        Interlocked.Add(ref _counters.BytesWritten, data.Length);
        if (stability != WriteStability.Unstable)
            await _commit.CommitUpToAsync(sequence, ct);
    }

    /// <summary>Makes every write that returned before this call durable (data first, then the cluster map).</summary>
    public ValueTask CommitAsync(CancellationToken ct) => _commit.CommitAsync(ct);

    /// <summary>
    /// Grows the disk (the new part reads as zeros) or shrinks it (what lay past the new end is gone, also when it
    /// grows again); with <paramref name="growOnly"/>, never shrinks. Durable when this returns.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SetLengthAsync(long length, bool growOnly, CancellationToken ct)
    {
        ulong held = await _locks.AcquireAllAsync(ct);
        try
        {
            await _commit.EnterAsync(ct);
            try
            {
                _commit.ThrowIfFaulted();
                long old = _length;
                if (length == old || (growOnly && length < old))
                    return;

                // The map records of earlier writes go first, so a replay never sees them after a shrink that hid them.
                _commit.CommitLocked();
                _commit.Append([JournalRecord.SetLength(length)], durable: true);
                if (length < old)
                {
                    _written.ClearFrom(ClusterCount(length));
                    Volatile.Write(ref _baseVisible, Math.Min(_baseVisible, length));
                    _hydrator?.ForgetFrom(length >> ClusterShift);
                }

                Volatile.Write(ref _length, length);
                try
                {
                    RandomAccess.SetLength(_data, length);
                    RandomAccess.FlushToDisk(_data);
                }
                catch (IOException ex)
                {
                    // The journal already holds the new length; the next open resizes the data file to match.
                    _commit.Fault(ex);
                    if (CacheFolder.IsDiskFull(ex))
                        throw CacheFolder.FullError(_folderPath, _name, ex);
                    throw;
                }
            }
            finally
            {
                _commit.Exit();
            }
        }
        finally
        {
            _locks.Release(held);
        }
    }

    /// <summary>Commits what is left (unless a failed fsync faulted the cache) and closes the files.</summary>
    public async ValueTask CloseAsync()
    {
        try
        {
            await _commit.CloseAsync();
        }
        finally
        {
            _data.Dispose();
        }
    }

    private bool IsPartial(long cluster, long offset, long end, long length)
    {
        long start = cluster << ClusterShift;
        long extentEnd = Math.Min(start + ClusterSize, length);
        return offset > start || end < extentEnd;
    }

    /// <summary>
    /// Writes a cluster not yet in the cache: its current content (base or hydrated) with the new bytes over it. The
    /// content read keeps no copy: the write cache holds the cluster from here on.
    /// </summary>
    private async ValueTask FillClusterAsync(long cluster, long offset, ReadOnlyMemory<byte> data, long length, IClusterSource below, CancellationToken ct)
    {
        long start = cluster << ClusterShift;
        int extent = (int)(Math.Min(start + ClusterSize, length) - start);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(extent);
        try
        {
            await below.ReadUnwrittenAsync(start, buffer.AsMemory(0, extent), ct);
            long overlapStart = Math.Max(start, offset);
            long overlapEnd = Math.Min(start + extent, offset + data.Length);
            data.Span[(int)(overlapStart - offset)..(int)(overlapEnd - offset)].CopyTo(buffer.AsSpan((int)(overlapStart - start)));
            WriteDataFile(buffer.AsSpan(0, extent), start);
            Interlocked.Increment(ref _counters.ClusterFills);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void WriteDataFile(ReadOnlySpan<byte> data, long offset)
    {
        try
        {
            RandomAccess.Write(_data, data, offset);
        }
        catch (IOException ex) when (CacheFolder.IsDiskFull(ex))
        {
            if (_hydrator?.ReleaseForWrites() != true)
                throw CacheFolder.FullError(_folderPath, _name, ex);
            try
            {
                RandomAccess.Write(_data, data, offset);
            }
            catch (IOException again) when (CacheFolder.IsDiskFull(again))
            {
                throw CacheFolder.FullError(_folderPath, _name, again);
            }
        }
    }

    /// <summary>
    /// Records clusters [first, end) as written, after their data is in the data file: clusters new to the map are
    /// journaled before the write returns (see <see cref="GroupCommit.JournalWritten"/>). The caller holds the
    /// clusters' region locks, so no one else can add them meanwhile.
    /// </summary>
    private void MarkWritten(long first, long end)
    {
        long c = _written.FindFirst(first, end, false);
        if (c >= end)
            return;
        // At most one run of unwritten clusters in every two clusters of the range.
        var records = ArrayPool<JournalRecord>.Shared.Rent((int)((end - c + 1) / 2));
        try
        {
            int n = 0;
            while (c < end)
            {
                long runEnd = _written.FindFirst(c, end, true);
                records[n++] = JournalRecord.MapClustersWritten(c, runEnd - c);
                c = _written.FindFirst(runEnd, end, false);
            }

            _commit.JournalWritten(records.AsSpan(0, n));
        }
        finally
        {
            ArrayPool<JournalRecord>.Shared.Return(records);
        }

        _written.SetRange(first, end - first);
    }
}
