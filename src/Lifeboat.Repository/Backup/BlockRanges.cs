namespace Lifeboat.Repository.Backup;

/// <summary>Turns a source's allocated byte ranges into sorted, non-overlapping block ranges.</summary>
internal static class BlockRanges
{
    public static IEnumerable<(long First, long End)> FromAllocated(IEnumerable<(long Offset, long Length)> ranges, long diskLength, int blockSize)
    {
        long blockCount = (diskLength + blockSize - 1) / blockSize;
        long previousEnd = 0;
        long runStart = -1;
        long runEnd = -1;
        long previousOffset = long.MinValue;
        foreach (var (offset, length) in ranges)
        {
            // An unsorted list would make this skip data silently, so it is a bug in the source, not a hole.
            if (offset < previousOffset)
            {
                throw new InvalidOperationException("The disk source listed its allocated ranges out of order.");
            }

            previousOffset = offset;
            if (length <= 0 || offset >= diskLength)
            {
                continue;
            }

            long first = Math.Max(Math.Max(offset, 0) / blockSize, previousEnd);
            long end = Math.Min((Math.Min(offset + length, diskLength) + blockSize - 1) / blockSize, blockCount);
            if (end <= first)
            {
                continue;
            }

            if (runStart >= 0 && first <= runEnd)
            {
                runEnd = Math.Max(runEnd, end);
            }
            else
            {
                if (runStart >= 0)
                {
                    yield return (runStart, runEnd);
                }

                runStart = first;
                runEnd = end;
            }

            previousEnd = runEnd;
        }

        if (runStart >= 0)
        {
            yield return (runStart, runEnd);
        }
    }
}
