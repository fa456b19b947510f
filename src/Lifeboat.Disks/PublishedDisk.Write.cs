using System.Buffers;
using System.Runtime.CompilerServices;
using Lifeboat.Disks.Journal;

namespace Lifeboat.Disks;

public sealed partial class PublishedDisk
{
    private readonly Lock _pendingLock = new();
    private List<(long First, long Count)> _pending = [];
    private List<(long First, long Count)> _pendingSpare = [];
    private long _completedWrites;
    private long _durableWrites;

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
        return WriteCoreAsync(offset, data, stability, ct);
    }

    /// <summary>Makes every write that returned before this call durable (data first, then the cluster map).</summary>
    public ValueTask CommitAsync(CancellationToken ct = default)
    {
        ThrowIfDisposed();
        return CommitUpToAsync(Volatile.Read(ref _completedWrites), ct);
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
        return SetLengthCoreAsync(length, growOnly: false, ct);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteCoreAsync(long offset, ReadOnlyMemory<byte> data, WriteStability stability, CancellationToken ct)
    {
        long end = offset + data.Length;
        ulong held;
        while (true)
        {
            if (end > Volatile.Read(ref _length))
                await SetLengthCoreAsync(end, growOnly: true, ct);
            held = await _locks.AcquireAsync(offset, end - 1, ct);
            if (end <= _length)
                break;
            _locks.Release(held); // shrunk meanwhile
        }

        long sequence;
        try
        {
            ThrowIfFaulted();
            long length = _length;
            long first = offset >> _shift;
            long last = (end - 1) >> _shift;
            long directStart = offset;
            long directEnd = end;
            if (!_written.IsSet(first) && IsPartial(first, offset, end, length))
            {
                await FillClusterAsync(first, offset, data, length, ct);
                directStart = Math.Min(end, (first + 1) << _shift);
            }

            if (last != first && !_written.IsSet(last) && IsPartial(last, offset, end, length))
            {
                await FillClusterAsync(last, offset, data, length, ct);
                directEnd = last << _shift;
            }

            if (directEnd > directStart)
                WriteCacheFile(data.Span[(int)(directStart - offset)..(int)(directEnd - offset)], directStart);
            MarkWritten(first, last + 1);
            sequence = Interlocked.Increment(ref _completedWrites);
        }
        finally
        {
            _locks.Release(held);
        }

        Interlocked.Increment(ref _counters.WriteRequests);
        Interlocked.Add(ref _counters.BytesWritten, data.Length);
        if (stability != WriteStability.Unstable)
            await CommitUpToAsync(sequence, ct);
    }

    private bool IsPartial(long cluster, long offset, long end, long length)
    {
        long start = cluster << _shift;
        long extentEnd = Math.Min(start + _clusterSize, length);
        return offset > start || end < extentEnd;
    }

    /// <summary>
    /// Writes a cluster not yet in the cache: its current content (base or hydrated) with the new bytes over it. The
    /// content read keeps no copy: the write cache holds the cluster from here on.
    /// </summary>
    private async ValueTask FillClusterAsync(long cluster, long offset, ReadOnlyMemory<byte> data, long length, CancellationToken ct)
    {
        long start = cluster << _shift;
        int extent = (int)(Math.Min(start + _clusterSize, length) - start);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(extent);
        try
        {
            await ReadRunsAsync(start, buffer.AsMemory(0, extent), keepCopies: false, ct);
            long overlapStart = Math.Max(start, offset);
            long overlapEnd = Math.Min(start + extent, offset + data.Length);
            data.Span[(int)(overlapStart - offset)..(int)(overlapEnd - offset)].CopyTo(buffer.AsSpan((int)(overlapStart - start)));
            WriteCacheFile(buffer.AsSpan(0, extent), start);
            Interlocked.Increment(ref _counters.ClusterFills);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void WriteCacheFile(ReadOnlySpan<byte> data, long offset)
    {
        try
        {
            RandomAccess.Write(_data, data, offset);
        }
        catch (IOException ex) when (CacheFolder.IsDiskFull(ex))
        {
            // Hydrated copies are only an accelerator: their space goes to the VM's writes first.
            if (_hydration is not { Clusters: > 0 } hydration)
                throw CacheFolder.FullError(_folder.Path, _name, ex);
            hydration.Release();
            PublishedDiskLog.HydrationReleased(_logger, _name);
            try
            {
                RandomAccess.Write(_data, data, offset);
            }
            catch (IOException again) when (CacheFolder.IsDiskFull(again))
            {
                throw CacheFolder.FullError(_folder.Path, _name, again);
            }
        }
    }

    /// <summary>
    /// Records clusters [first, end) as written, after their data is in the data file. Clusters new to the map get a
    /// journal record before the write returns, without fsync: a client may be told the write is done and never send
    /// it again (libnfs re-sends a COMMIT to a restarted server without comparing verifiers), so an acknowledged write
    /// must survive a crash of this process; the commit makes it durable against a crash of the machine. The caller
    /// holds the clusters' region locks, so no one else can add them meanwhile.
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

            AppendJournal(records.AsSpan(0, n), durable: false);
            lock (_pendingLock)
            {
                foreach (var record in records.AsSpan(0, n))
                    _pending.Add((record.A, record.B));
            }
        }
        finally
        {
            ArrayPool<JournalRecord>.Shared.Return(records);
        }

        _written.SetRange(first, end - first);
    }

    /// <summary>
    /// Group commit: whoever holds the sync lock makes every completed write durable, so concurrent committers
    /// waiting behind it usually find their write already covered and return without another fsync.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask CommitUpToAsync(long target, CancellationToken ct)
    {
        if (Volatile.Read(ref _durableWrites) >= target)
            return;
        await _syncLock.WaitAsync(ct);
        try
        {
            if (_durableWrites < target)
                CommitLocked();
        }
        finally
        {
            _syncLock.Release();
        }
    }

    /// <summary>Data file fsync, then the journal records of the newly written clusters. Caller holds the sync lock.</summary>
    private void CommitLocked()
    {
        ThrowIfFaulted();
        long upTo = Volatile.Read(ref _completedWrites);
        if (upTo <= _durableWrites)
            return;

        List<(long First, long Count)> batch;
        lock (_pendingLock)
        {
            batch = _pending;
            _pending = _pendingSpare;
        }

        try
        {
            try
            {
                RandomAccess.FlushToDisk(_data);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // After a failed fsync the kernel may have dropped the dirty pages: nothing written can be trusted.
                Fault(ex);
                throw;
            }

            AppendMapRecords(batch);
            batch.Clear();
            _pendingSpare = batch;
            Volatile.Write(ref _durableWrites, upTo);
            Interlocked.Increment(ref _counters.Syncs);
        }
        catch
        {
            lock (_pendingLock)
                _pending.AddRange(batch);
            batch.Clear();
            _pendingSpare = batch;
            throw;
        }
    }

    private void AppendMapRecords(List<(long First, long Count)> batch)
    {
        if (batch.Count == 0)
            return;
        batch.Sort(static (a, b) => a.First.CompareTo(b.First));
        var records = ArrayPool<JournalRecord>.Shared.Rent(batch.Count);
        try
        {
            int n = 0;
            long runFirst = batch[0].First;
            long runEnd = runFirst + batch[0].Count;
            for (int i = 1; i < batch.Count; i++)
            {
                var (first, count) = batch[i];
                if (first <= runEnd)
                {
                    runEnd = Math.Max(runEnd, first + count);
                    continue;
                }

                records[n++] = JournalRecord.MapClusters(runFirst, runEnd - runFirst);
                runFirst = first;
                runEnd = first + count;
            }

            records[n++] = JournalRecord.MapClusters(runFirst, runEnd - runFirst);
            AppendJournal(records.AsSpan(0, n), durable: true);
        }
        finally
        {
            ArrayPool<JournalRecord>.Shared.Return(records);
        }
    }

    private void AppendJournal(ReadOnlySpan<JournalRecord> records, bool durable)
    {
        try
        {
            if (durable)
                _journal.Append(records);
            else
                _journal.AppendWithoutSync(records);
        }
        catch (IOException ex)
        {
            if (_journal.IsDamaged)
                Fault(ex);
            if (CacheFolder.IsDiskFull(ex))
                throw CacheFolder.FullError(_folder.Path, _name, ex);
            throw;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SetLengthCoreAsync(long length, bool growOnly, CancellationToken ct)
    {
        ulong held = await _locks.AcquireAllAsync(ct);
        try
        {
            await _syncLock.WaitAsync(ct);
            try
            {
                ThrowIfFaulted();
                long old = _length;
                if (length == old || (growOnly && length < old))
                    return;

                // The map records of earlier writes go first, so a replay never sees them after a shrink that hid them.
                CommitLocked();
                AppendJournal([JournalRecord.SetLength(length)], durable: true);
                if (length < old)
                {
                    _written.ClearFrom(ClusterCount(length));
                    Volatile.Write(ref _baseVisible, Math.Min(_baseVisible, length));
                    _hydration?.ForgetFrom(length >> _shift);
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
                    Fault(ex);
                    if (CacheFolder.IsDiskFull(ex))
                        throw CacheFolder.FullError(_folder.Path, _name, ex);
                    throw;
                }
            }
            finally
            {
                _syncLock.Release();
            }
        }
        finally
        {
            _locks.Release(held);
        }
    }
}
