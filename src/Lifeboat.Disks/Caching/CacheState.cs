using System.Numerics;
using Lifeboat.Disks.Journal;

namespace Lifeboat.Disks.Caching;

/// <summary>The write cache's state rebuilt from its journal: lengths and the map of written clusters.</summary>
internal sealed class CacheState(MachineBoot currentBoot)
{
    private int _shift;
    private MachineBoot? _boot;

    public long BaseLength { get; private set; }

    /// <summary>The disk's length.</summary>
    public long Length { get; private set; }

    /// <summary>The base shows through up to here; a shrink hides the base past the new end for good.</summary>
    public long BaseVisible { get; private set; }

    public int ClusterSize { get; private set; }

    public ClusterBitmap? Written { get; private set; }

    public JournalReplay Replay { get; set; }

    /// <summary>Records of written clusters not yet durable that an earlier boot wrote: their data may be lost.</summary>
    public long WrittenRecordsIgnored { get; private set; }

    public void Begin(JournalHeader header)
    {
        BaseLength = header.BaseLength;
        Length = header.BaseLength;
        BaseVisible = header.BaseLength;
        ClusterSize = header.ClusterSize;
        _shift = BitOperations.Log2((uint)header.ClusterSize);
        Written = new ClusterBitmap(PublishedDisk.MaxLength >> _shift);
    }

    public void Apply(JournalRecord record)
    {
        var written = Written!;
        switch (record.Type)
        {
            case JournalRecordType.MapClusters:
                Map(written, record);
                break;
            case JournalRecordType.MapClustersWritten when _boot == currentBoot:
                // Written by a process of this boot: its data is at least in the page cache, which outlived the process.
                Map(written, record);
                break;
            case JournalRecordType.MapClustersWritten:
                WrittenRecordsIgnored++;
                break;
            case JournalRecordType.Boot:
                _boot = new MachineBoot(record.A, record.B);
                break;
            case JournalRecordType.SetLength:
                if (record.A is < 0 or > PublishedDisk.MaxLength)
                    throw new InvalidDataException($"The write-cache journal sets an impossible disk length of {record.A} bytes.");
                if (record.A < Length)
                    written.ClearFrom((record.A + ClusterSize - 1) >> _shift);
                Length = record.A;
                BaseVisible = Math.Min(BaseVisible, record.A);
                break;
        }
    }

    private void Map(ClusterBitmap written, JournalRecord record)
    {
        long clusters = (Length + ClusterSize - 1) >> _shift;
        if (record.A < 0 || record.B <= 0 || record.A > clusters - record.B)
            throw new InvalidDataException($"The write-cache journal maps clusters [{record.A}, {record.A + record.B}) outside the disk's {clusters} clusters.");
        written.SetRange(record.A, record.B);
    }

    /// <summary>The fewest records that rebuild this state, for compaction (as durable records: make the data durable first).</summary>
    public IEnumerable<JournalRecord> Snapshot()
    {
        if (BaseVisible < BaseLength)
            yield return JournalRecord.SetLength(BaseVisible);
        if (Length != BaseVisible)
            yield return JournalRecord.SetLength(Length);
        foreach (var (first, count) in Written!.EnumerateRuns())
            yield return JournalRecord.MapClusters(first, count);
    }
}
