using System.Collections.Concurrent;

namespace Lifeboat.Repository.Reading;

/// <summary>
/// A bounded cache of decoded blocks so warm reads are a memcpy. Fixed slots allocated on first use, CLOCK
/// eviction, and a sequence number per slot (odd while it is being filled) so readers copy without a lock
/// and simply treat a slot that changed under them as a miss.
/// </summary>
internal sealed class BlockCache
{
    private readonly int _blockSize;
    private readonly byte[]?[] _slots;
    private readonly long[] _keys;
    private readonly long[] _versions;
    private readonly byte[] _referenced;
    private readonly ConcurrentDictionary<long, int> _map = new();
    private readonly Lock _lock = new();
    private int _hand;

    public BlockCache(long capacityBytes, int blockSize)
    {
        _blockSize = blockSize;
        int slots = (int)Math.Clamp(capacityBytes / blockSize, 0, 1 << 20);
        _slots = new byte[]?[slots];
        _keys = new long[slots];
        _versions = new long[slots];
        _referenced = new byte[slots];
        Array.Fill(_keys, -1);
    }

    public int Capacity => _slots.Length;

    /// <summary>Whether <paramref name="block"/> is cached now (a hint: it may be evicted right after).</summary>
    public bool Contains(long block) => _map.ContainsKey(block);

    /// <summary>Copies <paramref name="destination"/>.Length bytes at <paramref name="offset"/> of a cached block; false on a miss.</summary>
    public bool TryCopy(long block, int offset, Span<byte> destination)
    {
        if (!_map.TryGetValue(block, out int slot))
        {
            return false;
        }

        long before = Volatile.Read(ref _versions[slot]);
        if ((before & 1) != 0 || Volatile.Read(ref _keys[slot]) != block)
        {
            return false;
        }

        _slots[slot].AsSpan(offset, destination.Length).CopyTo(destination);
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _versions[slot]) != before)
        {
            return false;
        }

        _referenced[slot] = 1;
        return true;
    }

    /// <summary>Claims a slot for <paramref name="block"/> and returns its buffer to decode into; -1 if none is free.</summary>
    public int BeginFill(long block, out Span<byte> buffer)
    {
        buffer = default;
        lock (_lock)
        {
            int slot = FindVictim();
            if (slot < 0)
            {
                return -1;
            }

            long oldKey = _keys[slot];
            if (oldKey >= 0)
            {
                _map.TryRemove(new KeyValuePair<long, int>(oldKey, slot));
            }

            Interlocked.Increment(ref _versions[slot]);
            Volatile.Write(ref _keys[slot], block);
            _slots[slot] ??= new byte[_blockSize];
            buffer = _slots[slot];
            return slot;
        }
    }

    /// <summary>Publishes a filled slot.</summary>
    public void CompleteFill(int slot, long block)
    {
        lock (_lock)
        {
            Interlocked.Increment(ref _versions[slot]);
            _referenced[slot] = 1;
            _map[block] = slot;
        }
    }

    /// <summary>Releases a slot whose fill failed.</summary>
    public void AbortFill(int slot)
    {
        lock (_lock)
        {
            Volatile.Write(ref _keys[slot], -1);
            Interlocked.Increment(ref _versions[slot]);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            foreach (var (block, slot) in _map)
            {
                Volatile.Write(ref _keys[slot], -1);
                _map.TryRemove(new KeyValuePair<long, int>(block, slot));
            }
        }
    }

    private int FindVictim()
    {
        int count = _slots.Length;
        for (int step = 0; step < 2 * count; step++)
        {
            int slot = _hand;
            _hand = (_hand + 1) % count;
            if ((Volatile.Read(ref _versions[slot]) & 1) != 0)
            {
                continue;
            }

            if (_referenced[slot] != 0)
            {
                _referenced[slot] = 0;
                continue;
            }

            return slot;
        }

        return -1;
    }
}
