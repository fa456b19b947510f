using Lifeboat.Disks.BaseReads;
using Lifeboat.Disks.Caching;

namespace Lifeboat.Disks;

/// <summary>Which parts of a published disk hold data and which read as zeros, from the maps held in memory.</summary>
internal static class DiskAllocation
{
    /// <summary>
    /// Appends the runs that describe [offset, offset + length) in order, merged where they agree, at most
    /// <paramref name="maxRuns"/> (the last may then end early). From the cluster map and the base's block map,
    /// both in memory: no I/O. A cluster is zero only when nothing was written to it and the base knows all of it
    /// reads as zeroes.
    /// </summary>
    public static void Describe(WriteCache cache, BaseReader baseReader, long offset, long length, int maxRuns, IList<DiskAllocationRun> runs)
    {
        int shift = cache.ClusterShift;
        long end = Math.Min(offset + Math.Max(length, 0), cache.Length);
        long baseVisible = cache.BaseVisible;
        int added = 0;
        for (long position = offset; position < end;)
        {
            long cluster = position >> shift;
            long next = Math.Min((cluster + 1) << shift, end);
            bool zero = !cache.Written.IsSet(cluster)
                && (position >= baseVisible || baseReader.IsKnownZero(position, Math.Min(next, baseVisible) - position));
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
