using Lifeboat.Repository;
using Lifeboat.Repository.Reading;

namespace Lifeboat.Disks;

/// <summary>A restore point's disk as the base of a published disk.</summary>
public sealed class RestorePointBaseDisk : IBaseDisk
{
    private readonly RestorePointDisk _disk;

    public RestorePointBaseDisk(RestorePointDisk disk)
    {
        ArgumentNullException.ThrowIfNull(disk);
        _disk = disk;
    }

    public long Length => _disk.Length;

    /// <summary>The repository's block size: the unit it decodes, worth using as the published disk's cluster size.</summary>
    public int BlockSize => _disk.BlockSize;

    public string RestorePointId => _disk.RestorePointId;

    public int DiskIndex => _disk.DiskIndex;

    /// <summary>Opens disk <paramref name="diskIndex"/> of a restore point, with a decoded-block cache of <paramref name="cacheBytes"/>.</summary>
    public static RestorePointBaseDisk Open(BackupRepository repository, string restorePointId, int diskIndex, long cacheBytes = RestorePointDisk.DefaultCacheBytes)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return new RestorePointBaseDisk(repository.OpenDisk(restorePointId, diskIndex, cacheBytes));
    }

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct) => _disk.ReadAsync(offset, buffer, ct);

    /// <summary>Whole blocks are decoded straight into <paramref name="buffer"/> and not kept in the decoded-block cache.</summary>
    public ValueTask<int> ReadOnceAsync(long offset, Memory<byte> buffer, CancellationToken ct) =>
        _disk.ReadAsync(offset, buffer, BlockCaching.PartialOnly, ct);

    public bool MustDecode(long offset, int length) => _disk.MustDecode(offset, length);

    /// <summary>From the block map held in memory: true when every block the range touches is a zero block.</summary>
    public bool IsKnownZero(long offset, long length)
    {
        if (offset < 0 || length <= 0 || offset + length > _disk.Length)
            return false;
        long first = offset / _disk.BlockSize;
        long last = (offset + length - 1) / _disk.BlockSize;
        for (long block = first; block <= last; block++)
        {
            if (!_disk.IsZeroBlock(block))
                return false;
        }
        return true;
    }

    public void Dispose() => _disk.Dispose();
}
