using System.Buffers;
using System.Runtime.CompilerServices;
using Lifeboat.Disks.Journal;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Disks.Caching;

/// <summary>
/// Makes a write cache durable: the journal records of the clusters writes add, the group commit (data file fsync,
/// then the map records of every write completed so far), and the fault that a failed fsync leaves for good.
/// </summary>
internal sealed class GroupCommit(WriteCacheJournal journal, SafeFileHandle data, string folderPath, string name, ILogger logger, DiskCounters counters)
{
    private readonly Lock _pendingLock = new();
    private readonly SemaphoreSlim _syncLock = new(1, 1);
    private List<(long First, long Count)> _pending = [];
    private List<(long First, long Count)> _pendingSpare = [];
    private long _completedWrites;
    private long _durableWrites;
    private Exception? _fault;

    public void ThrowIfFaulted()
    {
        if (Volatile.Read(ref _fault) is { } fault)
            throw new IOException($"The write cache of {name} in '{folderPath}' failed to make data durable ({fault.Message}) and refuses writes; stop the VM and publish the disk again.", fault);
    }

    public void Fault(Exception ex)
    {
        if (Interlocked.CompareExchange(ref _fault, ex, null) is null)
            PublishedDiskLog.CacheFaulted(logger, name, ex);
    }

    /// <summary>
    /// Journals runs of clusters newly written, without fsync: their data is in the data file, and a client may be
    /// told the write is done and never send it again (libnfs re-sends a COMMIT to a restarted server without
    /// comparing verifiers), so an acknowledged write must survive a crash of this process; the commit makes it
    /// durable against a crash of the machine.
    /// </summary>
    public void JournalWritten(ReadOnlySpan<JournalRecord> records)
    {
        Append(records, durable: false);
        lock (_pendingLock)
        {
            foreach (var record in records)
                _pending.Add((record.A, record.B));
        }
    }

    /// <summary>Counts a write as complete; returns its sequence number, for <see cref="CommitUpToAsync"/>.</summary>
    public long CompleteWrite() => Interlocked.Increment(ref _completedWrites);

    /// <summary>Makes every write completed before this call durable.</summary>
    public ValueTask CommitAsync(CancellationToken ct) => CommitUpToAsync(Volatile.Read(ref _completedWrites), ct);

    /// <summary>
    /// Group commit: whoever holds the sync lock makes every completed write durable, so concurrent committers
    /// waiting behind it usually find their write already covered and return without another fsync.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask CommitUpToAsync(long target, CancellationToken ct)
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

    /// <summary>Takes the sync lock: no commit runs until <see cref="Exit"/>.</summary>
    public Task EnterAsync(CancellationToken ct) => _syncLock.WaitAsync(ct);

    public void Exit() => _syncLock.Release();

    /// <summary>Data file fsync, then the journal records of the newly written clusters. Caller holds the sync lock.</summary>
    public void CommitLocked()
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
                RandomAccess.FlushToDisk(data);
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
            Interlocked.Increment(ref counters.Syncs);
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

    public void Append(ReadOnlySpan<JournalRecord> records, bool durable)
    {
        try
        {
            if (durable)
                journal.Append(records);
            else
                journal.AppendWithoutSync(records);
        }
        catch (IOException ex)
        {
            if (journal.IsDamaged)
                Fault(ex);
            if (CacheFolder.IsDiskFull(ex))
                throw CacheFolder.FullError(folderPath, name, ex);
            throw;
        }
    }

    /// <summary>Commits what is left unless the cache is faulted, and closes the journal.</summary>
    public async ValueTask CloseAsync()
    {
        try
        {
            if (Volatile.Read(ref _fault) is null)
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
            journal.Dispose();
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
            Append(records.AsSpan(0, n), durable: true);
        }
        finally
        {
            ArrayPool<JournalRecord>.Shared.Return(records);
        }
    }
}
