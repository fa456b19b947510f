using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Disks.Hydration;

/// <summary>
/// Local copies of base clusters already read once (hydration): a sparse file at the disk's offsets and a bitmap of
/// the clusters it holds. It is only an accelerator, so it is not persisted (it starts empty at every open), it
/// stops growing before the cache's file system runs short of space, and it gives its space back when a write
/// needs it. Readers check <see cref="Epoch"/> around a read to notice a copy dropped under them.
/// </summary>
internal sealed class HydrationStore : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly ClusterBitmap _hydrated;
    private readonly int _shift;
    private readonly long _maxClusters;
    private readonly long _reserveBytes;
    private readonly DriveInfo _fileSystem;
    private readonly Lock _gate = new();
    private long _epoch;
    private int _stopped;

    public HydrationStore(string path, int clusterShift, long capacityClusters, long maxBytes, long reserveBytes)
    {
        Path = path;
        _fileSystem = new DriveInfo(System.IO.Path.GetDirectoryName(path)!);
        _file = OwnerOnly.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        _shift = clusterShift;
        _hydrated = new ClusterBitmap(capacityClusters);
        _maxClusters = Math.Max(0, maxBytes >> clusterShift);
        _reserveBytes = reserveBytes;
    }

    public string Path { get; }

    public long Clusters => _hydrated.Count;

    /// <summary>Changes whenever copies are dropped; a copy read or made across a change must not be used.</summary>
    public long Epoch => Volatile.Read(ref _epoch);

    public bool HasRoom => Volatile.Read(ref _stopped) == 0 && _hydrated.Count < _maxClusters;

    public bool IsHydrated(long cluster) => _hydrated.IsSet(cluster);

    public long FindFirst(long from, long to, bool value) => _hydrated.FindFirst(from, to, value);

    public void Read(Span<byte> destination, long offset)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int n = RandomAccess.Read(_file, destination[total..], offset + total);
            if (n == 0)
            {
                destination[total..].Clear(); // dropped under us: the caller sees the epoch change
                return;
            }

            total += n;
        }
    }

    /// <summary>
    /// Keeps whole clusters starting at <paramref name="firstCluster"/> (as many as the limit allows). False when
    /// nothing was kept: limit reached, file system short of space, or copies dropped since <paramref name="epoch"/>.
    /// </summary>
    public bool TryStore(long firstCluster, ReadOnlySpan<byte> clusters, long epoch)
    {
        long room = Volatile.Read(ref _stopped) == 0 ? _maxClusters - _hydrated.Count : 0;
        if (room <= 0)
            return false;
        if ((clusters.Length >> _shift) > room)
            clusters = clusters[..(int)(room << _shift)];
        try
        {
            if (_fileSystem.AvailableFreeSpace - clusters.Length < _reserveBytes)
            {
                Volatile.Write(ref _stopped, 1);
                return false;
            }

            RandomAccess.Write(_file, clusters, firstCluster << _shift);
        }
        catch (IOException)
        {
            Volatile.Write(ref _stopped, 1);
            return false;
        }

        lock (_gate)
        {
            if (_epoch != epoch)
                return false;
            _hydrated.SetRange(firstCluster, clusters.Length >> _shift);
        }

        return true;
    }

    /// <summary>Forgets copies from <paramref name="firstCluster"/> on, because the base past there is hidden now.</summary>
    public void ForgetFrom(long firstCluster) => Drop(firstCluster, stop: false);

    /// <summary>Drops every copy and stops hydrating, giving the space back to the write cache.</summary>
    public void Release() => Drop(0, stop: true);

    private void Drop(long firstCluster, bool stop)
    {
        lock (_gate)
        {
            if (stop)
                Volatile.Write(ref _stopped, 1);

            // Bits first, then the epoch: a reader that saw a bit set also sees the epoch move if the copy goes.
            _hydrated.ClearFrom(firstCluster);
            Interlocked.Increment(ref _epoch);
        }

        try
        {
            if (RandomAccess.GetLength(_file) > firstCluster << _shift)
                RandomAccess.SetLength(_file, firstCluster << _shift);
        }
        catch (IOException)
        {
            // Stale bytes past the cut are harmless: no bit points at them any more.
        }
    }

    public void Dispose()
    {
        _file.Dispose();
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // Truncated at the next open anyway.
        }
    }
}
