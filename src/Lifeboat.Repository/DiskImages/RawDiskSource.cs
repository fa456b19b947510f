namespace Lifeboat.Repository.DiskImages;

/// <summary>A raw disk image file or block device; holes of a sparse file are reported as unallocated.</summary>
public sealed class RawDiskSource : IFileBackedDiskSource
{
    private readonly DiskFile _file;

    internal RawDiskSource(DiskFile file) => _file = file;

    public long Length => _file.Length;

    public string Format => "raw";

    public string Path => _file.Path;

    public static RawDiskSource Open(string path) => new(DiskFile.Open(path));

    public int Read(long offset, Span<byte> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= Length)
            return 0;

        int count = (int)Math.Min(buffer.Length, Length - offset);
        _file.ReadExactly(offset, buffer[..count]);
        if (offset + count == Length)
            _file.EnsureUnchanged();
        else
            _file.EnsureUnchangedIfDue();
        return count;
    }

    public IEnumerable<(long Offset, long Length)> GetAllocatedRanges()
    {
        long length = Length;
        if (_file.IsBlockDevice)
        {
            if (length > 0)
                yield return (0, length);
            yield break;
        }

        long position = 0;
        while (position < length)
        {
            if (!_file.TrySeek(position, NativeMethods.SeekData, out long dataStart, out int errno))
            {
                // ENXIO: no data at or after position. Anything else: the file system cannot tell, so assume data.
                if (errno != NativeMethods.ENXIO)
                    yield return (position, length - position);
                break;
            }

            if (dataStart >= length)
                break;

            long dataEnd = _file.TrySeek(dataStart, NativeMethods.SeekHole, out long holeStart, out _)
                ? Math.Min(holeStart, length)
                : length;
            if (dataEnd <= dataStart)
                dataEnd = length;
            yield return (dataStart, dataEnd - dataStart);
            position = dataEnd;
        }

        _file.EnsureUnchanged();
    }

    public void EnsureUnchanged() => _file.EnsureUnchanged();

    public void Dispose() => _file.Dispose();
}
