using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

/// <summary>
/// The disk behind a disk file of a publication (a published disk: restore point seen through its write cache).
/// Every member may be called concurrently.
/// </summary>
public interface IDatastoreDisk
{
    long Length { get; }

    /// <summary>Changes whenever writes acknowledged as UNSTABLE may have been lost (a restart), so clients resend them.</summary>
    ulong WriteVerifier { get; }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>; returns fewer bytes only at the end of the disk.</summary>
    ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Writes inside the disk's length; returns how durable the write already is (at least what was asked).</summary>
    ValueTask<StableHow> WriteAsync(long offset, ReadOnlyMemory<byte> data, StableHow stability, CancellationToken cancellationToken);

    /// <summary>Makes every earlier write durable.</summary>
    ValueTask CommitAsync(CancellationToken cancellationToken);

    ValueTask SetLengthAsync(long length, CancellationToken cancellationToken);
}
