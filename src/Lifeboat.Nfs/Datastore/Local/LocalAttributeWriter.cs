using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Nfs.Datastore.Local;

/// <summary>Applies SETATTR's mode, owner and times to a client-created object (not its size: see <see cref="LocalFiles"/>).</summary>
internal static class LocalAttributeWriter
{
    private const uint PermissionBits = 0xFFF;

    /// <summary>EACCES for the client files folder itself, which belongs to the server.</summary>
    public static Errno Apply(LocalWalker walker, string path, LocalFileType type, in LocalAttributeChange change)
    {
        if (path.Length == 0)
        {
            return Errno.Acces;
        }

        var errno = walker.OpenParent(path, out var parent, out var name);
        if (errno != Errno.None)
        {
            return errno;
        }

        using (parent)
        {
            if (change.Mode is { } mode && type != LocalFileType.SymbolicLink)
            {
                errno = ChangeMode(parent, name, type, mode & PermissionBits);
                if (errno != Errno.None)
                {
                    return errno;
                }
            }

            if (change.Uid.HasValue || change.Gid.HasValue)
            {
                if (LibC.fchownat(parent, name, change.Uid ?? uint.MaxValue, change.Gid ?? uint.MaxValue, LibC.AtSymlinkNoFollow) != 0)
                {
                    return LibC.LastError;
                }
            }

            if (change.Atime.IsSet || change.Mtime.IsSet)
            {
                var times = new LibC.TimespecPair();
                (times.AccessSeconds, times.AccessNanoseconds) = change.Atime.ToTimespec();
                (times.ModifySeconds, times.ModifyNanoseconds) = change.Mtime.ToTimespec();
                if (LibC.utimensat(parent, name, times, LibC.AtSymlinkNoFollow) != 0)
                {
                    return LibC.LastError;
                }
            }
        }

        return Errno.None;
    }

    private static Errno ChangeMode(SafeFileHandle parent, string name, LocalFileType type, uint mode)
    {
        // fchmod needs a descriptor opened for reading or writing; O_NOFOLLOW keeps a swapped-in link from being chased.
        var flags = LibC.ORdOnly | LibC.ONoFollow | LibC.OCloExec | (type == LocalFileType.Directory ? LibC.ODirectory : 0);
        using var target = LibC.openat(parent, name, flags, 0);
        if (target.IsInvalid)
        {
            return LibC.LastError;
        }

        return LibC.fchmod(target, mode) == 0 ? Errno.None : LibC.LastError;
    }
}
