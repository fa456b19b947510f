namespace Lifeboat.Disks;

public sealed partial class PublishedDisk
{
    /// <summary>
    /// Appends the runs that describe [offset, offset + length) in order, merged where they agree, at most
    /// <paramref name="maxRuns"/> (the last may then end early). From the cluster map and the base's block map,
    /// both in memory: no I/O. A cluster is zero only when nothing was written to it and the base knows all of it
    /// reads as zeroes.
    /// </summary>
    public void DescribeAllocation(long offset, long length, int maxRuns, IList<DiskAllocationRun> runs)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRuns);
        ArgumentNullException.ThrowIfNull(runs);
        long end = Math.Min(offset + Math.Max(length, 0), Volatile.Read(ref _length));
        long baseVisible = Volatile.Read(ref _baseVisible);
        int added = 0;
        for (long position = offset; position < end;)
        {
            long cluster = position >> _shift;
            long next = Math.Min((cluster + 1) << _shift, end);
            bool zero = !_written.IsSet(cluster)
                && (position >= baseVisible || _base.IsKnownZero(position, Math.Min(next, baseVisible) - position));
            if (runs.Count > 0 && added > 0 && runs[^1].IsZero == zero && runs[^1].End == position)
            {
                runs[^1] = runs[^1] with { Length = next - runs[^1].Offset };
            }
            else
            {
                if (added == maxRuns)
                    return;
                runs.Add(new DiskAllocationRun(position, next - position, zero));
                added++;
            }

            position = next;
        }
    }
}
