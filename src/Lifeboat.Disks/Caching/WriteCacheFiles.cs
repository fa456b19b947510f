using System.Numerics;
using Lifeboat.Disks.Journal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Disks.Caching;

/// <summary>
/// The files of a write cache, open: created for a new publication, or reopened with every write that was committed
/// before a stop or a crash (the journal replayed, then rewritten as the fewest durable records).
/// </summary>
internal sealed class WriteCacheFiles : IDisposable
{
    private WriteCacheFiles(SafeFileHandle data, WriteCacheJournal journal, ClusterBitmap written, long length, long baseVisible)
    {
        Data = data;
        Journal = journal;
        Written = written;
        Length = length;
        BaseVisible = baseVisible;
    }

    public SafeFileHandle Data { get; }

    public WriteCacheJournal Journal { get; }

    public ClusterBitmap Written { get; }

    public long Length { get; }

    /// <summary>The base shows through up to here; a shrink hides the base past the new end for good.</summary>
    public long BaseVisible { get; }

    public int ClusterSize => Journal.Header.ClusterSize;

    public static WriteCacheFiles Open(CacheFolder folder, long baseLength, PublishedDiskOptions options) =>
        File.Exists(folder.JournalPath) ? Reopen(folder, baseLength, options) : Create(folder, baseLength, options);

    public void Dispose()
    {
        Journal.Dispose();
        Data.Dispose();
    }

    private static WriteCacheFiles Create(CacheFolder folder, long length, PublishedDiskOptions options)
    {
        SafeFileHandle? data = null;
        try
        {
            data = OwnerOnly.OpenHandle(folder.DataPath, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
            RandomAccess.SetLength(data, length);
            RandomAccess.FlushToDisk(data);
            var header = new JournalHeader(options.ClusterSize, length, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Guid.NewGuid());
            var journal = WriteCacheJournal.Create(folder.JournalPath, header, [JournalRecord.Boot(MachineBoot.Current)]);
            var written = new ClusterBitmap(PublishedDisk.MaxLength >> BitOperations.Log2((uint)options.ClusterSize));
            PublishedDiskLog.CacheCreated(LoggerOf(options), options.DiskName, folder.Path, length, options.ClusterSize);
            return new WriteCacheFiles(data, journal, written, length, length);
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

    private static WriteCacheFiles Reopen(CacheFolder folder, long baseLength, PublishedDiskOptions options)
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
            if (state.BaseLength != baseLength)
                throw new InvalidDataException($"The write cache in '{folder.Path}' was made for a disk of {state.BaseLength} bytes, but {options.DiskName} has {baseLength}: it belongs to another restore point; use another cache folder.");

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

            var logger = LoggerOf(options);
            if (state.Replay.IgnoredTailBytes > 0)
                PublishedDiskLog.TornTailIgnored(logger, options.DiskName, state.Replay.IgnoredTailBytes);
            if (journal.RecordCount != state.Replay.Records)
                PublishedDiskLog.JournalCompacted(logger, options.DiskName, state.Replay.Records, journal.RecordCount);
            if (state.WrittenRecordsIgnored > 0)
                PublishedDiskLog.UncommittedWritesDropped(logger, options.DiskName, state.WrittenRecordsIgnored);
            PublishedDiskLog.CacheReopened(logger, options.DiskName, folder.Path, state.Written!.Count, state.Replay.Records);
            return new WriteCacheFiles(data, journal, state.Written!, state.Length, state.BaseVisible);
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

    private static ILogger LoggerOf(PublishedDiskOptions options) => options.Logger ?? NullLogger.Instance;
}
