using Lifeboat.Disks;
using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Protocol;
using Lifeboat.Nbd.Server;

namespace Lifeboat.MountServer.Nbd;

/// <summary>
/// A published disk as an NBD export: the same object the NFS datastore serves, so both protocols see the same
/// bytes and share one write cache. FUA writes are FILE_SYNC, a flush is an NFS COMMIT, and <c>base:allocation</c>
/// comes from the cluster map and the restore point's block map. A read-only device is exported with
/// NBD_FLAG_READ_ONLY and the NBD server refuses its writes, trims and write-zeroes with EPERM before they reach the disk.
/// Every connection shares the one disk, whose commit covers every write that returned before it, so the export
/// allows several connections (NBD_FLAG_CAN_MULTI_CONN).
/// </summary>
internal sealed class PublishedDiskNbdDevice(PublishedDisk disk, bool readOnly) : INbdBlockDevice
{
    private static readonly ReadOnlyMemory<byte> Zeroes = new byte[1024 * 1024];

    public long Size => disk.Length;

    public bool IsReadOnly => readOnly;

    public bool CanMultiConn => true;

    public async ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var read = await disk.ReadAsync(offset, destination, cancellationToken).ConfigureAwait(false);

        // Shorter only when an NFS client shrank the disk after this connection learned its size.
        destination.Span[read..].Clear();
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken) =>
        disk.WriteAsync(offset, data, fua ? WriteStability.FileSync : WriteStability.Unstable, cancellationToken);

    public ValueTask FlushAsync(CancellationToken cancellationToken) => disk.CommitAsync(cancellationToken);

    public async ValueTask WriteZeroesAsync(long offset, long length, bool mayPunchHole, CancellationToken cancellationToken)
    {
        // The write cache has no holes to punch: zeroes are written like any data.
        while (length > 0)
        {
            var count = (int)Math.Min(length, Zeroes.Length);
            await disk.WriteAsync(offset, Zeroes[..count], WriteStability.Unstable, cancellationToken).ConfigureAwait(false);
            offset += count;
            length -= count;
        }
    }

    public ValueTask GetAllocationAsync(long offset, long length, int maxExtents, IList<NbdExtent> extents, CancellationToken cancellationToken)
    {
        var runs = new List<DiskAllocationRun>();
        disk.DescribeAllocation(offset, length, maxExtents, runs);
        foreach (var run in runs)
        {
            var flags = run.IsZero ? NbdAllocationFlags.Hole | NbdAllocationFlags.Zero : NbdAllocationFlags.None;
            extents.Add(new NbdExtent(run.Offset, run.Length, (uint)flags));
        }

        return ValueTask.CompletedTask;
    }
}
