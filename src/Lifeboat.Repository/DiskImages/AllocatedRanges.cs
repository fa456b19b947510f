namespace Lifeboat.Repository.DiskImages;

/// <summary>Helpers for the sorted (offset, length) range lists that <see cref="IDiskSource.GetAllocatedRanges"/> returns.</summary>
internal static class AllocatedRanges
{
    /// <summary>Joins touching or overlapping ranges of a sorted sequence and drops empty ones, lazily.</summary>
    public static IEnumerable<(long Offset, long Length)> Merge(IEnumerable<(long Offset, long Length)> sorted)
    {
        long start = 0;
        long end = 0;
        bool pending = false;
        foreach (var (offset, length) in sorted)
        {
            if (length <= 0)
                continue;
            if (pending && offset <= end)
            {
                end = Math.Max(end, offset + length);
                continue;
            }

            if (pending)
                yield return (start, end - start);
            start = offset;
            end = offset + length;
            pending = true;
        }

        if (pending)
            yield return (start, end - start);
    }
}
