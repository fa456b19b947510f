using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Repository.DiskImages;

/// <summary>
/// An image file or block device opened for reading, which notices when it is deleted, replaced or shrunk
/// while a backup reads it.
/// </summary>
internal sealed class DiskFile : IDisposable
{
    // A path lookup costs a few microseconds: doing one per read would cost more than the read itself.
    private const long IdentityCheckIntervalMs = 1000;

    private readonly SafeFileHandle _handle;
    private readonly string _fullPath;
    private readonly FileIdentity? _openedIdentity;
    private long _lastIdentityCheck;

    private DiskFile(string path, string fullPath, SafeFileHandle handle, FileIdentity? identity, long length)
    {
        Path = path;
        _fullPath = fullPath;
        _handle = handle;
        _openedIdentity = identity;
        Length = length;
        _lastIdentityCheck = Environment.TickCount64;
    }

    /// <summary>The path as the caller gave it, for messages.</summary>
    public string Path { get; }

    /// <summary>Size when opened; reads past it return zeros, short reads before it mean the file shrank.</summary>
    public long Length { get; }

    public bool IsBlockDevice => _openedIdentity is { IsBlockDevice: true };

    public static DiskFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
            throw new DiskSourceException($"'{path}' is a folder, not a disk file; give the path of the disk image itself.");

        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw DiskSourceException.Missing(path);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new DiskSourceException($"Disk file '{path}' cannot be read (permission denied); run Lifeboat as a user allowed to read it.", ex);
        }
        catch (IOException ex)
        {
            throw new DiskSourceException($"Disk file '{path}' cannot be opened ({ex.Message.TrimEnd('.')}); check that no other program holds it locked.", ex);
        }

        try
        {
            FileIdentity? identity = FileIdentity.TryGet(handle, out var id) ? id : null;
            if (identity is { IsRegularFile: false, IsBlockDevice: false })
                throw new DiskSourceException($"'{path}' is neither a regular file nor a block device; give the path of a disk image.");

            long length = identity is { IsBlockDevice: true } ? SeekEndOf(handle, path) : RandomAccess.GetLength(handle);
            return new DiskFile(path, System.IO.Path.GetFullPath(path), handle, identity, length);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Fills the whole buffer from <paramref name="offset"/>, with zeros past <see cref="Length"/>. A read that
    /// ends early before <see cref="Length"/> means the file shrank.
    /// </summary>
    public void ReadExactly(long offset, Span<byte> buffer)
    {
        int wanted = (int)Math.Clamp(Length - offset, 0, buffer.Length);
        int done = 0;
        while (done < wanted)
        {
            int read;
            try
            {
                read = RandomAccess.Read(_handle, buffer[done..wanted], offset + done);
            }
            catch (IOException ex)
            {
                throw new DiskSourceException(
                    $"Reading disk file '{Path}' failed at offset {offset + done} ({ex.Message.TrimEnd('.')}); check the storage that holds it.", ex);
            }

            if (read == 0)
                throw DiskSourceException.VanishedOrShrank(Path);
            done += read;
        }

        buffer[wanted..].Clear();
    }

    /// <summary>Throws if the file was deleted, replaced by another file at its path, or shrunk.</summary>
    public void EnsureUnchanged()
    {
        Volatile.Write(ref _lastIdentityCheck, Environment.TickCount64);
        if (_openedIdentity is not { } opened)
            return;

        if (FileIdentity.TryGet(_handle, out var now) && (now.LinkCount == 0 || (!opened.IsBlockDevice && now.Size < Length)))
            throw DiskSourceException.VanishedOrShrank(Path);

        if (!FileIdentity.TryGet(_fullPath, out var atPath, out int errno))
        {
            if (errno is NativeMethods.ENOENT or NativeMethods.ENOTDIR)
                throw DiskSourceException.VanishedOrShrank(Path);
            return;
        }

        if (atPath.Device != opened.Device || atPath.Inode != opened.Inode)
            throw DiskSourceException.VanishedOrShrank(Path);
    }

    /// <summary><see cref="EnsureUnchanged"/> at most once per interval, so hot read paths stay cheap.</summary>
    public void EnsureUnchangedIfDue()
    {
        long last = Volatile.Read(ref _lastIdentityCheck);
        long now = Environment.TickCount64;
        if (now - last >= IdentityCheckIntervalMs && Interlocked.CompareExchange(ref _lastIdentityCheck, now, last) == last)
            EnsureUnchanged();
    }

    /// <summary>lseek(2) on the open file: SEEK_DATA/SEEK_HOLE find the allocated extents of a sparse file.</summary>
    public bool TrySeek(long offset, int whence, out long result, out int errno) => TrySeek(_handle, offset, whence, out result, out errno);

    public void Dispose() => _handle.Dispose();

    private static long SeekEndOf(SafeFileHandle handle, string path) =>
        TrySeek(handle, 0, NativeMethods.SeekEnd, out long end, out int errno)
            ? end
            : throw new DiskSourceException($"The size of block device '{path}' cannot be read (errno {errno}); check that it is a readable disk.");

    private static bool TrySeek(SafeFileHandle handle, long offset, int whence, out long result, out int errno)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            result = NativeMethods.LSeek((int)handle.DangerousGetHandle(), offset, whence);
            errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
            return result >= 0;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            result = -1;
            errno = 0;
            return false;
        }
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
    }
}
