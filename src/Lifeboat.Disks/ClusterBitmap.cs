using System.Numerics;

namespace Lifeboat.Disks;

/// <summary>
/// One bit per cluster, safe for concurrent readers and setters without locks. Pages are allocated on first
/// set, so a large disk with few written clusters costs little memory.
/// </summary>
internal sealed class ClusterBitmap
{
    private const int WordsPerPageShift = 12;                  // 4096 words = 32 KiB per page
    private const int ClustersPerPageShift = WordsPerPageShift + 6;
    private const long ClustersPerPage = 1L << ClustersPerPageShift;

    private readonly ulong[]?[] _pages;
    private long _count;

    public ClusterBitmap(long capacityClusters)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityClusters);
        Capacity = capacityClusters;
        _pages = new ulong[]?[(capacityClusters + ClustersPerPage - 1) >> ClustersPerPageShift];
    }

    public long Capacity { get; }

    /// <summary>Number of bits set.</summary>
    public long Count => Volatile.Read(ref _count);

    public bool IsSet(long cluster)
    {
        var page = Volatile.Read(ref _pages[cluster >> ClustersPerPageShift]);
        if (page is null)
            return false;
        var word = Volatile.Read(ref page[(cluster >> 6) & ((1 << WordsPerPageShift) - 1)]);
        return (word & (1UL << (int)(cluster & 63))) != 0;
    }

    /// <summary>Sets the bits of [first, first + count); returns how many were not set before.</summary>
    public long SetRange(long first, long count)
    {
        CheckRange(first, count);
        long added = 0;
        long end = first + count;
        for (long c = first; c < end;)
        {
            var page = GetOrCreatePage(c >> ClustersPerPageShift);
            int wordIndex = (int)((c >> 6) & ((1 << WordsPerPageShift) - 1));
            int bit = (int)(c & 63);
            int bits = (int)Math.Min(64 - bit, end - c);
            ulong mask = bits == 64 ? ulong.MaxValue : ((1UL << bits) - 1) << bit;
            ulong before = Interlocked.Or(ref page[wordIndex], mask);
            added += BitOperations.PopCount(mask & ~before);
            c += bits;
        }

        if (added != 0)
            Interlocked.Add(ref _count, added);
        return added;
    }

    /// <summary>Clears every bit from <paramref name="first"/> to the end.</summary>
    public void ClearFrom(long first)
    {
        if (first >= Capacity)
            return;
        long removed = 0;
        for (long c = Math.Max(first, 0); c < Capacity;)
        {
            long pageIndex = c >> ClustersPerPageShift;
            var page = Volatile.Read(ref _pages[pageIndex]);
            if (page is null)
            {
                c = (pageIndex + 1) << ClustersPerPageShift;
                continue;
            }

            int wordIndex = (int)((c >> 6) & ((1 << WordsPerPageShift) - 1));
            int bit = (int)(c & 63);
            ulong mask = ulong.MaxValue << bit;
            ulong before = Interlocked.And(ref page[wordIndex], ~mask);
            removed += BitOperations.PopCount(before & mask);
            c += 64 - bit;
        }

        if (removed != 0)
            Interlocked.Add(ref _count, -removed);
    }

    /// <summary>
    /// The first cluster in [from, to) whose bit equals <paramref name="value"/>, or <paramref name="to"/>.
    /// </summary>
    public long FindFirst(long from, long to, bool value)
    {
        to = Math.Min(to, Capacity);
        long c = from;
        while (c < to)
        {
            long pageIndex = c >> ClustersPerPageShift;
            var page = Volatile.Read(ref _pages[pageIndex]);
            if (page is null)
            {
                if (!value)
                    return c;
                c = (pageIndex + 1) << ClustersPerPageShift;
                continue;
            }

            int wordIndex = (int)((c >> 6) & ((1 << WordsPerPageShift) - 1));
            int bit = (int)(c & 63);
            ulong word = Volatile.Read(ref page[wordIndex]);
            if (!value)
                word = ~word;
            word &= ulong.MaxValue << bit;
            if (word != 0)
                return Math.Min(to, c - bit + BitOperations.TrailingZeroCount(word));
            c += 64 - bit;
        }

        return to;
    }

    /// <summary>The runs of set bits, in order, as (first cluster, count).</summary>
    public IEnumerable<(long First, long Count)> EnumerateRuns()
    {
        long c = FindFirst(0, Capacity, true);
        while (c < Capacity)
        {
            long end = FindFirst(c, Capacity, false);
            yield return (c, end - c);
            c = FindFirst(end, Capacity, true);
        }
    }

    private ulong[] GetOrCreatePage(long pageIndex)
    {
        var page = Volatile.Read(ref _pages[pageIndex]);
        if (page is not null)
            return page;
        var created = new ulong[1 << WordsPerPageShift];
        return Interlocked.CompareExchange(ref _pages[pageIndex], created, null) ?? created;
    }

    private void CheckRange(long first, long count)
    {
        if (first < 0 || count < 0 || first > Capacity - count)
            throw new ArgumentOutOfRangeException(nameof(first), $"Clusters [{first}, {first + count}) are outside this bitmap of {Capacity} clusters.");
    }
}
