namespace Lifeboat.Repository.DiskImages;

/// <summary>A virtual disk read by the backup pipeline (raw or qcow2 image).</summary>
public interface IDiskSource : IDisposable
{
    /// <summary>Virtual disk size in bytes.</summary>
    long Length { get; }

    /// <summary>"raw" or "qcow2".</summary>
    string Format { get; }

    /// <summary>
    /// Fills <paramref name="buffer"/> from <paramref name="offset"/>; unallocated ranges read as zeros.
    /// Returns the bytes read (buffer.Length unless at the end). Thread-safe for concurrent callers.
    /// Throws DiskSourceException (naming the file) if the file vanished or shrank.
    /// </summary>
    int Read(long offset, Span<byte> buffer);

    /// <summary>Ranges that may hold data, sorted and merged; anything outside reads as zeros.</summary>
    IEnumerable<(long Offset, long Length)> GetAllocatedRanges();
}
