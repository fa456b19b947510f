namespace Lifeboat.Disks.Prefetch;

/// <summary>
/// Notes the clusters reads touch, each once, in the order of their first touch, up to a bound. Reads run
/// concurrently; the lock is taken only for clusters not seen yet, which a boot meets a few thousand times.
/// </summary>
internal sealed class BootRecorder(long capacityClusters, int maxClusters)
{
    private readonly ClusterBitmap _seen = new(capacityClusters);
    private readonly List<long> _order = [];
    private readonly Lock _lock = new();

    public bool IsFull
    {
        get
        {
            lock (_lock)
                return _order.Count >= maxClusters;
        }
    }

    public void Note(long firstCluster, long endCluster)
    {
        for (long c = firstCluster; c < endCluster; c++)
        {
            if (_seen.IsSet(c))
                continue;
            lock (_lock)
            {
                if (_order.Count >= maxClusters)
                    return;
                if (_seen.SetRange(c, 1) == 1)
                    _order.Add(c);
            }
        }
    }

    public long[] Clusters()
    {
        lock (_lock)
            return [.. _order];
    }
}
