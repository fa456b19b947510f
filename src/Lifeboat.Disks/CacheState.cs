using System.Numerics;
using Lifeboat.Disks.Journal;

namespace Lifeboat.Disks;

/// <summary>The write cache's state rebuilt from its journal: lengths and the map of written clusters.</summary>
internal sealed class CacheState
{
    private int _shift;

    public long BaseLength { get; private set; }

    /// <summary>The disk's length.</summary>
    public long Length { get; private set; }

    /// <summary>The base shows through up to here; a shrink hides the base past the new end for good.</summary>
    public long BaseVisible { get; private set; }

    public int ClusterSize { get; private set; }

    public ClusterBitmap? Written { get; private set; }

    public JournalReplay Replay { get; set; }

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
                long clusters = (Length + ClusterSize - 1) >> _shift;
                if (record.A < 0 || record.B <= 0 || record.A > clusters - record.B)
                    throw new InvalidDataException($"The write-cache journal maps clusters [{record.A}, {record.A + record.B}) outside the disk's {clusters} clusters.");
                written.SetRange(record.A, record.B);
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

    /// <summary>The fewest records that rebuild this state, for compaction.</summary>
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
