using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Disks;

/// <summary>A raw disk image file used as a base, opened read-only.</summary>
public sealed class FileBaseDisk : IBaseDisk
{
    private readonly SafeFileHandle _handle;

    private FileBaseDisk(string path, SafeFileHandle handle)
    {
        Path = path;
        _handle = handle;
        Length = RandomAccess.GetLength(handle);
    }

    public string Path { get; }

    public long Length { get; }

    public static FileBaseDisk Open(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Disk image '{path}' does not exist.", path);
        return new FileBaseDisk(path, File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read));
    }

    // Reads from the page cache finish in microseconds: doing them inline is cheaper than a thread-pool hop.
    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct)
    {
        if (ct.IsCancellationRequested)
            return ValueTask.FromCanceled<int>(ct);
        try
        {
            return new ValueTask<int>(Read(offset, buffer.Span));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            return ValueTask.FromException<int>(ex);
        }
    }

    public int Read(long offset, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = RandomAccess.Read(_handle, buffer[total..], offset + total);
            if (n == 0)
                break;
            total += n;
        }

        return total;
    }

    public void Dispose() => _handle.Dispose();
}
