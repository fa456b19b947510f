using Lifeboat.Repository.DiskImages;

namespace Lifeboat.Repository.Tests.Support;

/// <summary>
/// An in-memory disk that knows what changed since a base restore point, as a hypervisor's dirty bitmap does; it
/// counts the bytes the backup reads from it.
/// </summary>
internal sealed class ChangedRangesDiskSource(byte[] content, string? baseRestorePointId, IReadOnlyList<(long Offset, long Length)> changed, string? fullReadReason = null)
    : IIncrementalDiskSource
{
    private long _bytesRead;

    public long Length => content.Length;

    public string Format => "raw";

    public string? BaseRestorePointId => baseRestorePointId;

    public string? FullReadReason => fullReadReason;

    public string? TrackingId => "bitmap-test";

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public int Read(long offset, Span<byte> buffer)
    {
        int count = (int)Math.Max(0, Math.Min(buffer.Length, content.Length - offset));
        content.AsSpan((int)offset, count).CopyTo(buffer);
        Interlocked.Add(ref _bytesRead, count);
        return count;
    }

    public IEnumerable<(long Offset, long Length)> GetAllocatedRanges()
    {
        yield return (0, content.Length);
    }

    public IEnumerable<(long Offset, long Length)> GetChangedRanges() => changed;

    public void Dispose()
    {
    }
}
