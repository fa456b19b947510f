namespace Lifeboat.Repository.DiskImages;

/// <summary>
/// A bounded least-recently-used cache of decoded L2 tables keyed by their host offset. Tables are never
/// returned to a pool, so a reader still holding an evicted table stays safe.
/// </summary>
internal sealed class Qcow2L2TableCache
{
    private readonly int _capacity;
    private readonly Dictionary<long, LinkedListNode<CachedTable>> _tables = [];
    private readonly LinkedList<CachedTable> _recency = new();
    private readonly Lock _lock = new();

    // Sequential reads hit the same table over and over: answer those without taking the lock.
    private volatile CachedTable? _mostRecent;

    public Qcow2L2TableCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public bool TryGet(long hostOffset, out ulong[] table)
    {
        var recent = _mostRecent;
        if (recent is not null && recent.HostOffset == hostOffset)
        {
            table = recent.Table;
            return true;
        }

        lock (_lock)
        {
            if (_tables.TryGetValue(hostOffset, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                _mostRecent = node.Value;
                table = node.Value.Table;
                return true;
            }
        }

        table = [];
        return false;
    }

    public void Add(long hostOffset, ulong[] table)
    {
        var entry = new CachedTable(hostOffset, table);
        lock (_lock)
        {
            if (_tables.ContainsKey(hostOffset))
                return;
            _tables[hostOffset] = _recency.AddFirst(entry);
            while (_tables.Count > _capacity)
            {
                var oldest = _recency.Last!;
                _recency.RemoveLast();
                _tables.Remove(oldest.Value.HostOffset);
            }

            _mostRecent = entry;
        }
    }

    private sealed record CachedTable(long HostOffset, ulong[] Table);
}
