namespace Lifeboat.Disks.Prefetch;

/// <summary>
/// Keeps a boot prefetch at most a window ahead of the guest in the profile's order: the prefetch may decode the
/// profile's cluster at index i once the guest has read one at index i - window or later. Decoding a whole profile
/// the moment the disk is published took the CPU, the caches and the page cache that the boot of the first disk
/// wanted right then (bench/recovery: the guest that reads its 384 MiB data disk at boot loaded its kernel from disk
/// 0 up to twice as slowly with its profile as without, while the data disk's prefetch ran from the first
/// probe of that disk); a window ahead, it is still there before the guest asks. Released (no more waiting) when
/// the boot is over or the disk goes away.
/// </summary>
internal sealed class PrefetchPacer
{
    private readonly Dictionary<long, int> _indexOf;
    private readonly int _window;
    private readonly object _gate = new(); // Monitor.Wait and PulseAll need a monitor, not a Lock
    private int _reached = -1;
    private int _waitingAt = -1;

    public PrefetchPacer(IReadOnlyList<long> clusters, int window)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        _window = window;
        _indexOf = new Dictionary<long, int>(clusters.Count);
        for (int i = 0; i < clusters.Count; i++)
            _indexOf.TryAdd(clusters[i], i);
    }

    /// <summary>The highest index of the profile the guest has read so far; -1 before its first read of one.</summary>
    public int Reached => Volatile.Read(ref _reached);

    /// <summary>Notes a guest read of [<paramref name="firstCluster"/>, <paramref name="endCluster"/>).</summary>
    public void NoteRead(long firstCluster, long endCluster)
    {
        int highest = -1;
        for (long c = firstCluster; c < endCluster; c++)
        {
            if (_indexOf.TryGetValue(c, out int index) && index > highest)
                highest = index;
        }

        if (highest <= Volatile.Read(ref _reached))
            return;
        lock (_gate)
        {
            if (highest <= _reached)
                return;
            _reached = highest;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>The index <see cref="WaitForTurn"/> is blocked at, until the guest comes nearer; -1 when it is not waiting.</summary>
    public int WaitingAt => Volatile.Read(ref _waitingAt);

    /// <summary>Blocks the prefetch's thread until it may decode the profile's cluster at <paramref name="index"/>, or <paramref name="ct"/> is cancelled.</summary>
    public void WaitForTurn(int index, CancellationToken ct)
    {
        if (index <= Volatile.Read(ref _reached) + _window)
            return;
        // Disposed outside the lock: its callback takes the lock.
        using var woken = ct.Register(static gate =>
        {
            lock (gate!)
                Monitor.PulseAll(gate);
        }, _gate);
        lock (_gate)
        {
            Volatile.Write(ref _waitingAt, index);
            while (index > _reached + _window && !ct.IsCancellationRequested)
                Monitor.Wait(_gate);
            Volatile.Write(ref _waitingAt, -1);
        }
    }

    /// <summary>Lets the prefetch run to its end without waiting for the guest again.</summary>
    public void Release()
    {
        lock (_gate)
        {
            // As if the guest had read past every index the profile can have.
            _reached = int.MaxValue - _window;
            Monitor.PulseAll(_gate);
        }
    }
}
