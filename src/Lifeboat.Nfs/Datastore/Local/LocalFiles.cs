using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Nfs.Datastore.Local;

/// <summary>
/// Reads, writes, flushes and truncates client-created regular files. Each call opens the file by its path and checks it
/// is still the object the client's handle named (its inode) before touching it.
/// </summary>
internal sealed class LocalFiles(LocalWalker walker)
{
    /// <summary>MAX_ERRNO: every Linux errno is at most this; an HResult above it is not an errno.</summary>
    private const int MaxErrno = 4095;

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/>, or as much of it as the file holds.</summary>
    public Errno Read(string path, ulong inode, long offset, Span<byte> destination, out int count, out bool endOfFile)
    {
        count = 0;
        endOfFile = false;
        var errno = Open(path, inode, write: false, out var file);
        if (errno != Errno.None)
        {
            return errno;
        }

        using (file)
        {
            try
            {
                var length = RandomAccess.GetLength(file);
                while (count < destination.Length)
                {
                    var read = RandomAccess.Read(file, destination[count..], offset + count);
                    if (read == 0)
                    {
                        break;
                    }

                    count += read;
                }

                endOfFile = offset + count >= length;
                return Errno.None;
            }
            catch (IOException ex)
            {
                return ErrnoOf(ex);
            }
        }
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/>; with <paramref name="flush"/>, durably.</summary>
    public Errno Write(string path, ulong inode, long offset, ReadOnlySpan<byte> data, bool flush)
    {
        var errno = Open(path, inode, write: true, out var file);
        if (errno != Errno.None)
        {
            return errno;
        }

        using (file)
        {
            try
            {
                RandomAccess.Write(file, data, offset);
                if (flush)
                {
                    RandomAccess.FlushToDisk(file);
                }

                return Errno.None;
            }
            catch (IOException ex)
            {
                return ErrnoOf(ex);
            }
        }
    }

    /// <summary>Makes every earlier write to the file durable.</summary>
    public Errno Flush(string path, ulong inode)
    {
        var errno = Open(path, inode, write: false, out var file);
        if (errno != Errno.None)
        {
            return errno;
        }

        using (file)
        {
            try
            {
                RandomAccess.FlushToDisk(file);
                return Errno.None;
            }
            catch (IOException ex)
            {
                return ErrnoOf(ex);
            }
        }
    }

    /// <summary>Sets the file's length; EFBIG for one no file can have.</summary>
    public Errno Truncate(string path, ulong inode, ulong size)
    {
        if (size > long.MaxValue)
        {
            return Errno.FBig;
        }

        var errno = Open(path, inode, write: true, out var file);
        if (errno != Errno.None)
        {
            return errno;
        }

        using (file)
        {
            try
            {
                RandomAccess.SetLength(file, (long)size);
                return Errno.None;
            }
            catch (IOException ex)
            {
                return ErrnoOf(ex);
            }
        }
    }

    /// <summary>
    /// Opens a regular file for I/O: ESTALE when the name now holds another object than <paramref name="inode"/>,
    /// EISDIR for a folder and EINVAL for anything else that is not a regular file (a symbolic link among them).
    /// </summary>
    private Errno Open(string path, ulong inode, bool write, out SafeFileHandle file)
    {
        file = null!;
        var errno = walker.OpenParent(path, out var parent, out var name);
        if (errno != Errno.None)
        {
            return errno;
        }

        using (parent)
        {
            var opened = LibC.openat(parent, name, (write ? LibC.ORdWr : LibC.ORdOnly) | LibC.ONoFollow | LibC.OCloExec, 0);
            if (opened.IsInvalid)
            {
                errno = LibC.LastError;
                opened.Dispose();

                // O_NOFOLLOW on a symbolic link: the name is not a file to read or write.
                return errno == Errno.Loop ? Errno.Inval : errno;
            }

            errno = LocalWalker.StatAt(opened, string.Empty, LibC.AtEmptyPath, out var stat);
            if (errno != Errno.None || stat.Inode != inode)
            {
                opened.Dispose();
                return errno == Errno.None ? Errno.Stale : errno;
            }

            if (stat.Type != LocalFileType.Regular)
            {
                opened.Dispose();
                return stat.Type == LocalFileType.Directory ? Errno.IsDir : Errno.Inval;
            }

            file = opened;
            return Errno.None;
        }
    }

    private static Errno ErrnoOf(IOException exception) => exception switch
    {
        FileNotFoundException or DirectoryNotFoundException => Errno.NoEnt,
        PathTooLongException => Errno.NameTooLong,

        // On Linux the BCL keeps the errno of a failed call as the IOException's HResult.
        _ when exception.HResult is > 0 and <= MaxErrno => (Errno)exception.HResult,
        _ => Errno.Io,
    };
}
