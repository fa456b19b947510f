using Lifeboat.Disks;
using Lifeboat.Nfs.Datastore;
using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.MountServer.Publishing;

/// <summary>Serves a <see cref="PublishedDisk"/> (restore point seen through its write cache) as a datastore disk file.</summary>
public sealed class PublishedDatastoreDisk(PublishedDisk disk) : IDatastoreDisk
{
    private readonly PublishedDisk _disk = disk ?? throw new ArgumentNullException(nameof(disk));

    public long Length => _disk.Length;

    public ulong WriteVerifier => _disk.WriteVerifier;

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
        _disk.ReadAsync(offset, buffer, cancellationToken);

    /// <summary>A published disk makes DATA_SYNC and FILE_SYNC writes durable before it returns, UNSTABLE ones at commit.</summary>
    public async ValueTask<StableHow> WriteAsync(long offset, ReadOnlyMemory<byte> data, StableHow stability, CancellationToken cancellationToken)
    {
        await _disk.WriteAsync(offset, data, Durability(stability), cancellationToken).ConfigureAwait(false);
        return stability;
    }

    public ValueTask CommitAsync(CancellationToken cancellationToken) => _disk.CommitAsync(cancellationToken);

    public ValueTask SetLengthAsync(long length, CancellationToken cancellationToken) => _disk.SetLengthAsync(length, cancellationToken);

    private static WriteStability Durability(StableHow stability) => stability switch
    {
        StableHow.Unstable => WriteStability.Unstable,
        StableHow.DataSync => WriteStability.DataSync,
        _ => WriteStability.FileSync,
    };
}
