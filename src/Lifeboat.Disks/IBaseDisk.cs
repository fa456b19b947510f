namespace Lifeboat.Disks;

/// <summary>
/// The read-only content a published disk starts from: a restore point's disk, or any raw image. It is never written.
/// </summary>
public interface IBaseDisk : IDisposable
{
    long Length { get; }

    /// <summary>
    /// Fills <paramref name="buffer"/> from <paramref name="offset"/>; returns the bytes read, which is
    /// buffer.Length unless the read reaches <see cref="Length"/>. Safe for many concurrent callers.
    /// </summary>
    ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct);

    /// <summary>
    /// <see cref="ReadAsync"/> for bytes the caller will not ask for again (it keeps a copy of them, or it streams
    /// past them): a base with a cache of its own need not keep them there.
    /// </summary>
    ValueTask<int> ReadOnceAsync(long offset, Memory<byte> buffer, CancellationToken ct) => ReadAsync(offset, buffer, ct);

    /// <summary>
    /// True when the base knows, without reading, that [offset, offset + length) reads as zeroes (a restore point's
    /// zero blocks); false when it cannot tell, which is always safe.
    /// </summary>
    bool IsKnownZero(long offset, long length) => false;

    /// <summary>
    /// True when reading [offset, offset + length) decodes something (a block neither cached nor zero), work a reader
    /// should not do on a connection's read loop; false when the read is a copy or a page-cache read.
    /// </summary>
    bool MustDecode(long offset, int length) => false;
}
