using Lifeboat.Nfs.Nfs3;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Nfs.Datastore.Local;

/// <summary>Applies SETATTR's mode, owner and times to a client-created object (not its size: see <see cref="LocalFiles"/>).</summary>
internal static class LocalAttributeWriter
{
    private const uint PermissionBits = 0xFFF;

    /// <summary>EACCES for the client files folder itself, which belongs to the server.</summary>
    public static Errno Apply(LocalWalker walker, string path, Ftype3 type, in Sattr3 attributes, NfsTime3 now)
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
            if (attributes.Mode is { } mode && type != Ftype3.Lnk)
            {
                errno = ChangeMode(parent, name, type, mode & PermissionBits);
                if (errno != Errno.None)
                {
                    return errno;
                }
            }

            if (attributes.Uid.HasValue || attributes.Gid.HasValue)
            {
                if (LibC.fchownat(parent, name, attributes.Uid ?? uint.MaxValue, attributes.Gid ?? uint.MaxValue, LibC.AtSymlinkNoFollow) != 0)
                {
                    return LibC.LastError;
                }
            }

            if (attributes.Atime.IsSet || attributes.Mtime.IsSet)
            {
                var times = new LibC.TimespecPair();
                (times.AccessSeconds, times.AccessNanoseconds) = ToTimespec(attributes.Atime, now);
                (times.ModifySeconds, times.ModifyNanoseconds) = ToTimespec(attributes.Mtime, now);
                if (LibC.utimensat(parent, name, times, LibC.AtSymlinkNoFollow) != 0)
                {
                    return LibC.LastError;
                }
            }
        }

        return Errno.None;
    }

    private static (long Seconds, long Nanoseconds) ToTimespec(SetTime3 time, NfsTime3 now) => time.How switch
    {
        TimeHow.DontChange => (0, LibC.UtimeOmit),
        TimeHow.SetToServerTime => (0, LibC.UtimeNow),
        _ => (time.Resolve(now).Seconds, Math.Min(time.Time.Nanoseconds, 999_999_999u)),
    };

    private static Errno ChangeMode(SafeFileHandle parent, string name, Ftype3 type, uint mode)
    {
        // fchmod needs a descriptor opened for reading or writing; O_NOFOLLOW keeps a swapped-in link from being chased.
        var flags = LibC.ORdOnly | LibC.ONoFollow | LibC.OCloExec | (type == Ftype3.Dir ? LibC.ODirectory : 0);
        using var target = LibC.openat(parent, name, flags, 0);
        if (target.IsInvalid)
        {
            return LibC.LastError;
        }

        return LibC.fchmod(target, mode) == 0 ? Errno.None : LibC.LastError;
    }
}
